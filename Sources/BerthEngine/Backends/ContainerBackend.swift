/// The container routes (moby's router/container/backend.go). `name` is a
/// container name or (prefix of an) ID; unknown ones throw `.notFound` with
/// "No such container: <name>".
public protocol ContainerBackend: Sendable {
    func containerCreate(_ config: ContainerCreateRequest, options: ContainerCreateOptions) async throws -> ContainerCreateResponse
    func containerList(_ options: ContainerListOptions) async throws -> [ContainerSummary]
    func containerInspect(_ name: String, size: Bool, version: APIVersion) async throws -> ContainerInspectResponse
    func containerTop(_ name: String, psArgs: String) async throws -> ContainerTopResponse
    func containerLogs(_ name: String, options: LogsOptions) async throws -> LogStream
    func containerChanges(_ name: String) async throws -> [FilesystemChange]
    /// The container's filesystem as a tar stream.
    func containerExport(_ name: String) async throws -> ByteStream
    /// Stats samples: one (then the stream ends) when `stream` is false.
    func containerStats(_ name: String, options: StatsOptions) async throws -> AsyncThrowingStream<ContainerStatsResponse, any Error>
    func containerResize(_ name: String, height: Int, width: Int) async throws
    /// Throws `AlreadyInState` when it is already running (dockerd: 304).
    func containerStart(_ name: String, detachKeys: String?) async throws
    /// Throws `AlreadyInState` when it is already stopped (dockerd: 304).
    func containerStop(_ name: String, options: StopOptions) async throws
    func containerRestart(_ name: String, options: StopOptions) async throws
    func containerKill(_ name: String, signal: String?) async throws
    func containerUpdate(_ name: String, _ update: ContainerUpdateRequest) async throws -> ContainerUpdateResponse
    func containerRename(_ name: String, to newName: String) async throws
    func containerPause(_ name: String) async throws
    func containerUnpause(_ name: String) async throws
    /// Validates, then calls `connection.hijack(multiplexed: !tty)` and
    /// streams until the container's output ends or the client detaches.
    func containerAttach(_ name: String, options: AttachOptions, connection: any HijackRequest) async throws
    /// Registers the wait and returns; the API then sends its headers and awaits the result.
    func containerWait(_ name: String, condition: WaitCondition) async throws -> PendingWait
    func containerRemove(_ name: String, options: RemoveOptions) async throws
    func containerArchiveStat(_ name: String, path: String) async throws -> PathStat
    func containerArchiveGet(_ name: String, path: String) async throws -> (stat: PathStat, archive: ByteStream)
    func containerArchivePut(_ name: String, path: String, options: ArchivePutOptions, archive: ByteStream) async throws
    func containersPrune(filters: Filters) async throws -> ContainerPruneResponse
    /// `POST /commit`: the container's changes as a new image.
    func containerCommit(_ name: String, options: CommitOptions) async throws -> IDResponse
}

/// Thrown by start/stop when the container is already in the asked state:
/// dockerd answers `304 Not Modified` with an empty body.
public struct AlreadyInState: Error, Sendable {
    public init() {}
}
