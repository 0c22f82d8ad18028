import BerthImages
import BerthRegistry
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// `/info`, `/version`, `/events`, `/system/df` with this daemon's real values.
public struct SystemService: SystemBackend {
    public struct Settings: Sendable {
        public var id: String
        public var version: String
        public var dataRoot: String
        public var runtimeCommand: [String]
        public var debug: Bool
        public var labels: [String]
        public init(id: String, version: String, dataRoot: String, runtimeCommand: [String], debug: Bool, labels: [String]) {
            self.id = id
            self.version = version
            self.dataRoot = dataRoot
            self.runtimeCommand = runtimeCommand
            self.debug = debug
            self.labels = labels
        }
    }

    let settings: Settings
    let containers: ContainerService
    let events: EventBus

    /// The image and volume services, for /system/df and /auth (nil: none).
    let images: ImageServiceBackend?
    let volumes: VolumeService?

    public init(settings: Settings, containers: ContainerService, events: EventBus,
                images: ImageServiceBackend? = nil, volumes: VolumeService? = nil) {
        self.images = images
        self.volumes = volumes
        self.settings = settings
        self.containers = containers
        self.events = events
    }

    static func uname() -> (release: String, machine: String, node: String) {
        var u = utsname()
        Glibc.uname(&u)
        func text<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(u.release), text(u.machine), text(u.nodename))
    }

    /// Go's GOARCH names, as docker reports Arch.
    static func goArch(_ machine: String) -> String {
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        case "armv7l", "armv6l": return "arm"
        default: return machine
        }
    }

    static func osRelease() -> (pretty: String, version: String) {
        let text = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimming(["\""]) }
        }
        return (fields["PRETTY_NAME"] ?? "Linux", fields["VERSION_ID"] ?? "")
    }

    static func cgroupVersion() -> String {
        FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? "2" : "1"
    }

    public func info() async throws -> SystemInfo {
        let counts = await containers.counts()
        let host = Self.uname()
        let os = Self.osRelease()
        var info = SystemInfo()
        info.id = settings.id
        info.containers = counts.total
        info.containersRunning = counts.running
        info.containersPaused = counts.paused
        info.containersStopped = counts.stopped
        info.images = 0
        info.driver = "overlay2"
        info.driverStatus = [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]]
        info.dockerRootDir = settings.dataRoot
        info.memoryLimit = true
        info.swapLimit = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
        info.cpuCfsPeriod = true
        info.cpuCfsQuota = true
        info.cpuShares = true
        info.cpuSet = true
        info.pidsLimit = true
        info.oomKillDisable = Self.cgroupVersion() == "1"
        info.iPv4Forwarding = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8))?.hasPrefix("1") ?? false
        info.debug = settings.debug
        info.nFd = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        info.nGoroutines = 0
        info.systemTime = Timestamp.now()
        info.loggingDriver = "json-file"
        info.cgroupDriver = "cgroupfs"
        info.cgroupVersion = Self.cgroupVersion()
        info.nEventsListener = 0
        info.kernelVersion = host.release
        info.operatingSystem = os.pretty
        info.osVersion = os.version
        info.osType = "linux"
        info.architecture = host.machine
        info.ncpu = ProcessInfo.processInfo.activeProcessorCount
        info.memTotal = Int64(ProcessInfo.processInfo.physicalMemory)
        info.indexServerAddress = "https://index.docker.io/v1/"
        info.name = host.node
        info.labels = settings.labels
        info.experimentalBuild = false
        info.serverVersion = settings.version
        info.runtimes = ["runc": Runtime(path: settings.runtimeCommand.first, runtimeArgs: Array(settings.runtimeCommand.dropFirst()))]
        info.defaultRuntime = "runc"
        info.liveRestoreEnabled = true
        info.isolation = ""
        info.initBinary = ""
        info.containerdCommit = Commit(id: "")
        info.runcCommit = Commit(id: "")
        info.initCommit = Commit(id: "")
        info.securityOptions = ["name=seccomp,profile=builtin"] + ["name=cgroupns"].filter { _ in Self.cgroupVersion() == "2" }
        info.warnings = []
        return info
    }

    public func version() async throws -> SystemVersion {
        let host = Self.uname()
        var version = SystemVersion()
        version.platform = SystemVersion.Platform(name: "berth")
        var engine = SystemVersion.Components()
        engine.name = "Engine"
        engine.version = settings.version
        engine.details = .object([
            "ApiVersion": .string(APIVersion.current.description),
            "MinAPIVersion": .string(APIVersion.minimum.description),
            "Os": .string("linux"),
            "Arch": .string(Self.goArch(host.machine)),
            "KernelVersion": .string(host.release),
        ])
        version.components = [engine]
        version.version = settings.version
        version.apiVersion = APIVersion.current.description
        version.minAPIVersion = APIVersion.minimum.description
        version.gitCommit = "berth"
        version.goVersion = "swift"
        version.os = "linux"
        version.arch = Self.goArch(host.machine)
        version.kernelVersion = host.release
        version.experimental = false
        version.buildTime = ""
        return version
    }

    /// `docker system df`: images with their container counts, layers
    /// counted once, containers with their writable-layer sizes, volumes
    /// with their sizes and users. `types` empty: all.
    public func dataUsage(types: Set<String>) async throws -> SystemDataUsageResponse {
        func wanted(_ type: String) -> Bool { types.isEmpty || types.contains(type) }
        var response = SystemDataUsageResponse()
        if wanted("image"), let images {
            var options = ImageListOptions()
            options.all = true
            options.sharedSize = true
            response.images = try await images.imageList(options)
            response.layersSize = try images.service.layersSize()
        }
        if wanted("container") {
            response.containers = try await containers.list(ContainerListOptions(all: true, size: true))
        }
        if wanted("volume"), let volumes {
            response.volumes = volumes.diskUsage()
        }
        if wanted("build-cache") { response.buildCache = [] }
        return response
    }

    public func events(_ options: EventsOptions) async throws -> AsyncThrowingStream<EventMessage, any Error> {
        events.subscribe(options)
    }

    /// `POST /auth` (docker login): checks the credentials with the registry.
    public func authenticate(_ config: AuthConfig) async throws -> SystemAuthResponse {
        guard let images else { throw BerthError(.notImplemented, "registry login needs the image service") }
        guard let username = config.username, !username.isEmpty else {
            throw BerthError.invalidArgument("login: a username is required")
        }
        try await images.service.checkLogin(server: config.serveraddress ?? "",
                                            credentials: RegistryCredentials(username: username, password: config.password ?? ""))
        var response = SystemAuthResponse()
        response.status = "Login Succeeded"
        response.identityToken = ""
        return response
    }
}
