import BerthEngine
import BerthSystem
import NIOConcurrencyHelpers

/// In-memory backends with canned answers: they test the HTTP edge (routing,
/// encoding, streams, hijack), not the engine. Unknown names fail as dockerd's.
struct FakeContainer: Sendable {
    var id: String
    var name: String
    var tty: Bool
    var running: Bool
}

final class FakeBackends: Sendable {
    let containers: [FakeContainer] = [
        FakeContainer(id: String(repeating: "c1", count: 32), name: "c1", tty: false, running: true),
        FakeContainer(id: String(repeating: "77", count: 32), name: "t1", tty: true, running: true),
    ]
    /// Bytes received by uploads (archive PUT, load, build), to prove streaming.
    let uploaded = NIOLockedValueBox<Int>(0)
    /// The last decoded create request, to prove field mapping.
    let lastCreate = NIOLockedValueBox<ContainerCreateRequest?>(nil)
    let execs = NIOLockedValueBox<[String: (container: String, tty: Bool, stdin: Bool, exitCode: Int?)]>([:])

    var all: Backends {
        Backends(system: FakeSystem(), containers: FakeContainers(fake: self), images: FakeImages(fake: self),
                 networks: FakeNetworks(), volumes: FakeVolumes(), exec: FakeExec(fake: self), build: FakeBuild(fake: self))
    }

    func container(_ name: String) throws -> FakeContainer {
        guard let found = containers.first(where: { $0.name == name || $0.id.hasPrefix(name) }) else {
            throw BerthError.notFound("No such container: \(name)")
        }
        return found
    }

    func drain(_ stream: ByteStream) async throws {
        for try await chunk in stream { uploaded.withLockedValue { $0 += chunk.count } }
    }
}

struct FakeSystem: SystemBackend {
    func info() async throws -> SystemInfo {
        var info = SystemInfo()
        info.id = "FAKE"
        info.containers = 2
        info.name = "fakehost"
        info.serverVersion = "28.2.2"
        info.operatingSystem = "berth test"
        info.osType = "linux"
        info.architecture = "x86_64"
        var swarm = SwarmInfo()
        swarm.localNodeState = "inactive"
        swarm.controlAvailable = false
        info.swarm = swarm
        return info
    }

    func version() async throws -> SystemVersion {
        var version = SystemVersion()
        version.version = "28.2.2"
        version.apiVersion = APIVersion.current.description
        version.minAPIVersion = APIVersion.minimum.description
        version.os = "linux"
        version.arch = "amd64"
        version.gitCommit = "berth"
        version.goVersion = "swift"
        version.kernelVersion = "6.0"
        version.platform = SystemVersion.Platform(name: "berth")
        return version
    }

    func dataUsage(types: Set<String>) async throws -> SystemDataUsageResponse {
        var usage = SystemDataUsageResponse()
        usage.layersSize = 42
        return usage
    }

    func events(_ options: EventsOptions) async throws -> AsyncThrowingStream<EventMessage, any Error> {
        AsyncThrowingStream { continuation in
            for action in ["create", "start"] where options.filters.exactMatch("event", action) {
                var event = EventMessage()
                event.type = "container"
                event.action = action
                event.actor = EventActor(id: "c1", attributes: ["name": "c1"])
                event.time = Int64(options.since ?? 0)
                continuation.yield(event)
            }
            continuation.finish()
        }
    }

    func authenticate(_ config: AuthConfig) async throws -> SystemAuthResponse {
        guard config.password == "secret" else { throw BerthError(.unauthorized, "login failed for \(config.username ?? "")") }
        return SystemAuthResponse(status: "Login Succeeded")
    }
}
