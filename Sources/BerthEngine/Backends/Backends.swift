/// Everything the API serves, one backend per router as moby's
/// `router/*/backend.go`. The engine implements them; tests use fakes.
public struct Backends: Sendable {
    public var system: any SystemBackend
    public var containers: any ContainerBackend
    public var images: any ImageBackend
    public var networks: any NetworkBackend
    public var volumes: any VolumeBackend
    public var exec: any ExecBackend
    public var build: any BuildBackend

    public init(system: any SystemBackend, containers: any ContainerBackend, images: any ImageBackend,
                networks: any NetworkBackend, volumes: any VolumeBackend, exec: any ExecBackend,
                build: any BuildBackend) {
        self.system = system
        self.containers = containers
        self.images = images
        self.networks = networks
        self.volumes = volumes
        self.exec = exec
        self.build = build
    }
}
