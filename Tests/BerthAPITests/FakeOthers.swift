import BerthEngine
import BerthSystem

/// Images: "busybox:latest" exists; pulls of "fail-early" fail before any
/// progress, of "fail-late" after one message.
struct FakeImages: ImageBackend {
    let fake: FakeBackends

    func imagePull(_ options: ImagePullOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        // The docker CLI sends normalized names (docker.io/library/…).
        let image = options.fromImage.split(separator: "/").last.map(String.init) ?? options.fromImage
        if image == "fail-early" {
            throw BerthError.notFound("pull access denied for fail-early, repository does not exist")
        }
        return AsyncThrowingStream { continuation in
            continuation.yield(JSONMessage(status: "Pulling from library/\(image)", id: options.tag ?? "latest"))
            if image == "fail-late" {
                continuation.finish(throwing: BerthError.unavailable("connection to registry lost"))
                return
            }
            continuation.yield(JSONMessage(status: "Status: Downloaded newer image for \(image):\(options.tag ?? "latest")"))
            continuation.finish()
        }
    }

    func imageImport(_ options: ImageImportOptions, source: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        try await fake.drain(source)
        return AsyncThrowingStream { $0.yield(JSONMessage(status: "sha256:feed")); $0.finish() }
    }

    func imageList(_ options: ImageListOptions) async throws -> [ImageSummary] {
        var image = ImageSummary()
        image.id = "sha256:" + String(repeating: "b", count: 64)
        image.repoTags = ["busybox:latest"]
        image.repoDigests = []
        image.created = 1_700_000_000
        image.size = 4_000_000
        image.sharedSize = -1
        image.containers = -1
        image.labels = [:]
        image.parentId = ""
        return [image]
    }

    func imageInspect(_ name: String, manifests: Bool) async throws -> ImageInspect {
        guard name == "busybox:latest" || name == "busybox" || name == "library/busybox:latest" else {
            throw BerthError.notFound("No such image: \(name)")
        }
        var inspect = ImageInspect()
        inspect.id = "sha256:" + String(repeating: "b", count: 64)
        inspect.repoTags = ["busybox:latest"]
        inspect.os = "linux"
        inspect.architecture = "amd64"
        return inspect
    }

    func imageHistory(_ name: String, platform: String?) async throws -> [ImageHistoryResponseItem] {
        _ = try await imageInspect(name, manifests: false)
        return []
    }

    func imagePush(_ name: String, options: ImagePushOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        guard options.auth?.username == "alice" else { throw BerthError(.unauthorized, "push needs credentials") }
        return AsyncThrowingStream { $0.yield(JSONMessage(status: "pushed \(name)")); $0.finish() }
    }

    func imageTag(_ name: String, repo: String, tag: String?) async throws {
        _ = try await imageInspect(name, manifests: false)
    }

    func imageRemove(_ name: String, options: ImageRemoveOptions) async throws -> [ImageDeleteResponseItem] {
        _ = try await imageInspect(name, manifests: false)
        return [ImageDeleteResponseItem(untagged: name)]
    }

    func imageSearch(_ term: String, limit: Int?, filters: Filters, auth: AuthConfig?) async throws -> [ImageSearchResponseItem] {
        throw BerthError(.notImplemented, "search is not supported by berth")
    }

    func imagesPrune(filters: Filters) async throws -> ImagePruneResponse { ImagePruneResponse() }

    func imageSave(_ names: [String], platforms: [String]) async throws -> ByteStream {
        for name in names { _ = try await imageInspect(name, manifests: false) }
        return ByteStream { $0.yield(Array("tarball".utf8)); $0.finish() }
    }

    func imageLoad(_ archive: ByteStream, quiet: Bool, platforms: [String]) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        try await fake.drain(archive)
        let total = fake.uploaded.withLockedValue { $0 }
        return AsyncThrowingStream { $0.yield(JSONMessage(stream: "Loaded \(total) bytes\n")); $0.finish() }
    }

    func distributionInspect(_ name: String, auth: AuthConfig?) async throws -> DistributionInspect {
        throw BerthError.notFound("No such image: \(name)")
    }
}

struct FakeNetworks: NetworkBackend {
    func networkList(filters: Filters) async throws -> [Network] {
        var bridge = Network()
        bridge.name = "bridge"
        bridge.id = String(repeating: "n", count: 64)
        bridge.driver = "bridge"
        bridge.scope = "local"
        return [bridge]
    }

    func networkInspect(_ id: String, verbose: Bool, scope: String?) async throws -> Network {
        guard id == "bridge" else { throw BerthError.notFound("network \(id) not found") }
        return try await networkList(filters: Filters())[0]
    }

    func networkCreate(_ request: NetworkCreateRequest) async throws -> NetworkCreateResponse {
        NetworkCreateResponse(id: String(repeating: "m", count: 64), warning: "")
    }

    func networkRemove(_ id: String) async throws { _ = try await networkInspect(id, verbose: false, scope: nil) }
    func networkConnect(_ id: String, _ request: NetworkConnectRequest) async throws {}
    func networkDisconnect(_ id: String, _ request: NetworkDisconnectRequest) async throws {}
    func networksPrune(filters: Filters) async throws -> NetworkPruneResponse { NetworkPruneResponse(networksDeleted: []) }
}

struct FakeVolumes: VolumeBackend {
    func volumeList(filters: Filters) async throws -> VolumeListResponse { VolumeListResponse(volumes: [], warnings: []) }

    func volumeCreate(_ options: VolumeCreateOptions) async throws -> Volume {
        var volume = Volume()
        volume.name = options.name ?? "anon"
        volume.driver = options.driver ?? "local"
        return volume
    }

    func volumeInspect(_ name: String) async throws -> Volume { throw BerthError.notFound("get \(name): no such volume") }
    func volumeRemove(_ name: String, force: Bool) async throws { _ = try await volumeInspect(name) }
    func volumesPrune(filters: Filters) async throws -> VolumePruneResponse { VolumePruneResponse(volumesDeleted: [], spaceReclaimed: 0) }
}

/// Exec: every process is `cat`, echoing stdin to stdout until EOF, exit 0;
/// without AttachStdin it writes "no stdin" (docker then reads no stdin).
struct FakeExec: ExecBackend {
    let fake: FakeBackends

    func execCreate(_ container: String, _ config: ExecConfig) async throws -> IDResponse {
        let target = try fake.container(container)
        let id = String(repeating: "e", count: 63) + String(fake.execs.withLockedValue { $0.count })
        fake.execs.withLockedValue { $0[id] = (target.name, config.tty ?? false, config.attachStdin ?? false, nil) }
        return IDResponse(id: id)
    }

    func execStart(_ id: String, _ config: ExecStartConfig, connection: (any HijackRequest)?) async throws {
        guard let exec = fake.execs.withLockedValue({ $0[id] }) else { throw BerthError.notFound("No such exec instance: \(id)") }
        if let connection {
            let conn = try await connection.hijack(multiplexed: !exec.tty)
            if exec.stdin {
                for try await chunk in conn.input {
                    try await conn.write(chunk, stream: .stdout)
                }
            } else {
                // Like a real process, answer a moment after the headers:
                // docker-py reads an exec's frames from the socket beneath its
                // buffered HTTP reader, so bytes that arrive in the same read
                // as the headers would never reach it (dockerd has the same race).
                try await Task.sleep(nanoseconds: 100_000_000)
                try await conn.write(Array("no stdin\n".utf8), stream: .stdout)
            }
        }
        fake.execs.withLockedValue { $0[id]?.exitCode = 0 }
    }

    func execResize(_ id: String, height: Int, width: Int) async throws {}

    func execInspect(_ id: String) async throws -> ExecInspectResponse {
        guard let exec = fake.execs.withLockedValue({ $0[id] }) else { throw BerthError.notFound("No such exec instance: \(id)") }
        var inspect = ExecInspectResponse()
        inspect.id = id
        inspect.running = exec.exitCode == nil
        inspect.exitCode = exec.exitCode
        inspect.containerID = try fake.container(exec.container).id
        inspect.processConfig = ProcessConfig(tty: exec.tty, entrypoint: "cat", arguments: [])
        return inspect
    }
}

struct FakeBuild: BuildBackend {
    let fake: FakeBackends

    func build(_ options: BuildOptions, context: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        try await fake.drain(context)
        let tags = options.tags.joined(separator: ",")
        return AsyncThrowingStream { $0.yield(JSONMessage(stream: "Successfully tagged \(tags)\n")); $0.finish() }
    }

    func buildPrune(_ options: BuildPruneOptions) async throws -> BuildPruneResponse {
        BuildPruneResponse(cachesDeleted: [], spaceReclaimed: 0)
    }
}
