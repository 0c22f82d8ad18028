import BerthEngine
import BerthSystem

/// Canned container answers: "c1" (no TTY) and "t1" (TTY), both running.
struct FakeContainers: ContainerBackend {
    let fake: FakeBackends
    static let timestamp = "2024-01-02T03:04:05.000000006Z"

    func containerCreate(_ config: ContainerCreateRequest, options: ContainerCreateOptions) async throws -> ContainerCreateResponse {
        guard config.image != nil else { throw BerthError.invalidArgument("config.Image must be set") }
        if options.name == "c1" { throw BerthError.conflict("Conflict. The container name \"/c1\" is already in use") }
        fake.lastCreate.withLockedValue { $0 = config }
        return ContainerCreateResponse(id: String(repeating: "ab", count: 32), warnings: [])
    }

    func containerList(_ options: ContainerListOptions) async throws -> [ContainerSummary] {
        fake.containers.filter { options.filters.exactMatch("name", $0.name) }.map { container in
            var summary = ContainerSummary()
            summary.id = container.id
            summary.names = ["/\(container.name)"]
            summary.image = "busybox"
            summary.imageID = "sha256:" + String(repeating: "b", count: 64)
            summary.command = "sh"
            summary.created = 1_700_000_000
            summary.state = "running"
            summary.status = "Up 5 minutes"
            summary.ports = []
            summary.labels = [:]
            return summary
        }
    }

    func containerInspect(_ name: String, size: Bool, version: APIVersion) async throws -> ContainerInspectResponse {
        let container = try fake.container(name)
        var inspect = ContainerInspectResponse()
        inspect.id = container.id
        inspect.name = "/\(container.name)"
        inspect.created = "2024-01-02T03:04:05Z"
        inspect.image = "sha256:" + String(repeating: "b", count: 64)
        inspect.state = ContainerState()
        inspect.state?.status = "running"
        inspect.state?.running = container.running
        inspect.state?.pid = 4242
        var config = ContainerConfig()
        config.tty = container.tty
        config.openStdin = true
        config.image = "busybox"
        config.cmd = ["sh"]
        inspect.config = config
        inspect.hostConfig = HostConfig()
        return inspect
    }

    func containerTop(_ name: String, psArgs: String) async throws -> ContainerTopResponse {
        _ = try fake.container(name)
        return ContainerTopResponse(titles: ["PID", "CMD"], processes: [["1", "sh"]])
    }

    func containerLogs(_ name: String, options: LogsOptions) async throws -> LogStream {
        let container = try fake.container(name)
        let frames = AsyncThrowingStream<LogFrame, any Error> { continuation in
            let lines: [(StdStream, String)] = [(.stdout, "hello from stdout\n"), (.stderr, "oops on stderr\n"), (.stdout, "bye\n")]
            for (stream, text) in lines where (stream == .stdout ? options.stdout : options.stderr) {
                continuation.yield(LogFrame(stream: stream, bytes: Array(text.utf8), timestamp: Self.timestamp))
            }
            continuation.finish()
        }
        return LogStream(tty: container.tty, frames: frames)
    }

    func containerChanges(_ name: String) async throws -> [FilesystemChange] {
        _ = try fake.container(name)
        return [FilesystemChange(path: "/tmp/x", kind: 1)]
    }

    func containerExport(_ name: String) async throws -> ByteStream {
        _ = try fake.container(name)
        return ByteStream { $0.yield(Array(repeating: 0, count: 1024)); $0.finish() }
    }

    func containerStats(_ name: String, options: StatsOptions) async throws -> AsyncThrowingStream<ContainerStatsResponse, any Error> {
        let container = try fake.container(name)
        return AsyncThrowingStream { continuation in
            for sample in 1...(options.stream ? 3 : 1) {
                var stats = ContainerStatsResponse()
                stats.id = container.id
                stats.name = "/\(container.name)"
                stats.numProcs = UInt32(sample)
                continuation.yield(stats)
            }
            continuation.finish()
        }
    }

    func containerResize(_ name: String, height: Int, width: Int) async throws { _ = try fake.container(name) }

    func containerStart(_ name: String, detachKeys: String?) async throws {
        if try fake.container(name).running { throw AlreadyInState() }
    }

    func containerStop(_ name: String, options: StopOptions) async throws { _ = try fake.container(name) }
    func containerRestart(_ name: String, options: StopOptions) async throws { _ = try fake.container(name) }

    func containerKill(_ name: String, signal: String?) async throws {
        _ = try fake.container(name)
        if signal == "NOPE" { throw BerthError.invalidArgument("invalid signal: NOPE") }
    }

    func containerUpdate(_ name: String, _ update: ContainerUpdateRequest) async throws -> ContainerUpdateResponse {
        _ = try fake.container(name)
        return ContainerUpdateResponse(warnings: [])
    }

    func containerRename(_ name: String, to newName: String) async throws { _ = try fake.container(name) }
    func containerPause(_ name: String) async throws { _ = try fake.container(name) }
    func containerUnpause(_ name: String) async throws { _ = try fake.container(name) }

    /// Echoes stdin to stdout until the client half-closes, then says so on stderr.
    func containerAttach(_ name: String, options: AttachOptions, connection: any HijackRequest) async throws {
        let container = try fake.container(name)
        let conn = try await connection.hijack(multiplexed: !container.tty)
        if options.stdin {
            for try await chunk in conn.input {
                try await conn.write(chunk, stream: .stdout)
            }
        }
        try await conn.write(Array("stdin closed\n".utf8), stream: .stderr)
    }

    func containerWait(_ name: String, condition: WaitCondition) async throws -> PendingWait {
        _ = try fake.container(name)
        return PendingWait { ContainerWaitResponse(statusCode: 0) }
    }

    func containerRemove(_ name: String, options: RemoveOptions) async throws {
        let container = try fake.container(name)
        if container.running && !options.force {
            throw BerthError.conflict("cannot remove container \"/\(container.name)\": container is running: stop the container before removing or force remove")
        }
    }

    func containerArchiveStat(_ name: String, path: String) async throws -> PathStat {
        _ = try fake.container(name)
        guard path == "/etc/hostname" else { throw BerthError.notFound("Could not find the file \(path) in container \(name)") }
        return PathStat(name: "hostname", size: 3, mode: 0o644, mtime: "2024-01-02T03:04:05Z")
    }

    func containerArchiveGet(_ name: String, path: String) async throws -> (stat: PathStat, archive: ByteStream) {
        let stat = try await containerArchiveStat(name, path: path)
        return (stat, ByteStream { $0.yield(Array("tar".utf8)); $0.finish() })
    }

    func containerArchivePut(_ name: String, path: String, options: ArchivePutOptions, archive: ByteStream) async throws {
        _ = try fake.container(name)
        try await fake.drain(archive)
    }

    func containersPrune(filters: Filters) async throws -> ContainerPruneResponse {
        ContainerPruneResponse(containersDeleted: [], spaceReclaimed: 0)
    }

    func containerCommit(_ name: String, options: CommitOptions) async throws -> IDResponse {
        _ = try fake.container(name)
        return IDResponse(id: "sha256:" + String(repeating: "e", count: 64))
    }
}
