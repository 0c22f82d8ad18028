import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The engine wired for the API: the container service behind the
/// container, exec and system backends (moby's `daemon.Daemon`).
public struct ContainerBackendAdapter: ContainerBackend, ExecBackend {
    public let service: ContainerService

    public init(service: ContainerService) { self.service = service }

    public func containerCreate(_ config: ContainerCreateRequest, options: ContainerCreateOptions) async throws -> ContainerCreateResponse {
        try await service.create(config, options: options)
    }
    public func containerList(_ options: ContainerListOptions) async throws -> [ContainerSummary] { try await service.list(options) }
    public func containerInspect(_ name: String, size: Bool, version: APIVersion) async throws -> ContainerInspectResponse {
        var response = try await service.inspect(name)
        if size, let id = response.id { response.sizeRw = await service.writableLayerSize(id) }
        return response
    }
    public func containerTop(_ name: String, psArgs: String) async throws -> ContainerTopResponse { try await service.top(name, psArgs: psArgs) }
    public func containerLogs(_ name: String, options: LogsOptions) async throws -> LogStream { try await service.logs(name, options: options) }
    public func containerChanges(_ name: String) async throws -> [FilesystemChange] {
        try await service.changes(name)
    }
    public func containerExport(_ name: String) async throws -> ByteStream {
        try await service.export(name)
    }
    public func containerStats(_ name: String, options: StatsOptions) async throws -> AsyncThrowingStream<ContainerStatsResponse, any Error> {
        try await service.stats(name, options: options)
    }
    public func containerResize(_ name: String, height: Int, width: Int) async throws { try await service.resize(name, height: height, width: width) }
    public func containerStart(_ name: String, detachKeys: String?) async throws { try await service.start(name) }
    public func containerStop(_ name: String, options: StopOptions) async throws { try await service.stop(name, options: options) }
    public func containerRestart(_ name: String, options: StopOptions) async throws { try await service.restart(name, options: options) }
    public func containerKill(_ name: String, signal: String?) async throws { try await service.kill(name, signal: signal) }
    public func containerUpdate(_ name: String, _ update: ContainerUpdateRequest) async throws -> ContainerUpdateResponse {
        try await service.update(name, update)
    }
    public func containerRename(_ name: String, to newName: String) async throws { try await service.rename(name, to: newName) }
    public func containerPause(_ name: String) async throws { try await service.pause(name) }
    public func containerUnpause(_ name: String) async throws { try await service.unpause(name) }
    public func containerAttach(_ name: String, options: AttachOptions, connection: any HijackRequest) async throws {
        try await service.attach(name, options: options, connection: connection)
    }
    public func containerWait(_ name: String, condition: WaitCondition) async throws -> PendingWait {
        try await service.wait(name, condition: condition)
    }
    public func containerRemove(_ name: String, options: RemoveOptions) async throws { try await service.remove(name, options: options) }
    public func containerArchiveStat(_ name: String, path: String) async throws -> PathStat {
        try await service.archiveStat(name, path: path)
    }
    public func containerArchiveGet(_ name: String, path: String) async throws -> (stat: PathStat, archive: ByteStream) {
        try await service.archiveGet(name, path: path)
    }
    public func containerArchivePut(_ name: String, path: String, options: ArchivePutOptions, archive: ByteStream) async throws {
        try await service.archivePut(name, path: path, options: options, archive: archive)
    }
    public func containersPrune(filters: Filters) async throws -> ContainerPruneResponse { try await service.prune(filters: filters) }
    public func containerCommit(_ name: String, options: CommitOptions) async throws -> IDResponse {
        try await service.commit(name, options: options)
    }

    // MARK: exec

    public func execCreate(_ container: String, _ config: ExecConfig) async throws -> IDResponse { try await service.execCreate(container, config) }
    public func execStart(_ id: String, _ config: ExecStartConfig, connection: (any HijackRequest)?) async throws {
        try await service.execStart(id, config, connection: connection)
    }
    public func execResize(_ id: String, height: Int, width: Int) async throws { try await service.execResize(id, height: height, width: width) }
    public func execInspect(_ id: String) async throws -> ExecInspectResponse { try await service.execInspect(id) }
}

extension ContainerService {
    func prune(filters: Filters) async throws -> ContainerPruneResponse {
        try filters.validate(allowed: ["label", "label!", "until"])
        var deleted: [String] = []
        for record in records.values where !record.isRunning && filters.matchLabels(record.config.labels ?? [:]) {
            if let until = filters.values("until").first, let limit = Double(until) ?? Timestamp.unixSeconds(until),
               (Timestamp.unixSeconds(record.created) ?? 0) >= limit { continue }
            try await remove(record.id, options: RemoveOptions())
            deleted.append(record.id)
        }
        var response = ContainerPruneResponse()
        response.containersDeleted = deleted
        response.spaceReclaimed = 0
        events.publish(type: "container", action: "prune", id: "", attributes: ["reclaimed": "0"])
        return response
    }

    /// Counts for /info.
    public func counts() -> (total: Int, running: Int, paused: Int, stopped: Int) {
        let all = records.values
        let running = all.filter { $0.status == .running || $0.status == .restarting }.count
        let paused = all.filter { $0.status == .paused }.count
        return (all.count, running, paused, all.count - running - paused)
    }
}
