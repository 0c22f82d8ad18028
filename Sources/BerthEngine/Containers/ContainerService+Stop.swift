import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension ContainerService {
    /// Registers a wait for the container's next exit (synchronously, so
    /// no exit can slip in before the caller awaits it).
    func nextExit(_ id: String) -> OneShot<Int> {
        let waiter = OneShot<Int>()
        exitWaiters[id, default: []].append(waiter)
        return waiter
    }

    /// moby's `containerStop`: the stop signal, then SIGKILL after the
    /// timeout (`t`, else StopTimeout, else 10 s; -1 waits forever).
    func stop(_ name: String, options: StopOptions) async throws {
        var record = try lookup(name)
        if record.status == .restarting {
            record.manuallyStopped = true
            record.status = .exited
            try save(record)
            return
        }
        guard record.isRunning else { throw AlreadyInState() }
        record.manuallyStopped = true
        try save(record)
        let signal = try Signals.parse(options.signal ?? record.config.stopSignal ?? "SIGTERM")
        let timeout = options.timeout ?? record.config.stopTimeout ?? 10
        let exit = nextExit(record.id)
        if record.status == .paused { try? await runtime.resume(record.id) }
        try? await runtime.kill(record.id, signal: signal)
        if timeout >= 0 {
            let id = record.id
            let timer = Task.detached { [weak self] in
                try await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000_000)
                await self?.forceKill(id)
            }
            _ = await exit.result
            timer.cancel()
        } else {
            _ = await exit.result
        }
        emit("stop", records[record.id] ?? record)
    }

    func forceKill(_ id: String) async {
        guard let record = records[id], record.isRunning else { return }
        do {
            try await runtime.kill(id, signal: SIGKILL)
        } catch {
            // The runtime lost the container: kill the init directly.
            if record.pid > 0 { Glibc.kill(pid_t(record.pid), SIGKILL) }
        }
    }

    func kill(_ name: String, signal: String?) async throws {
        var record = try lookup(name)
        let number = try Signals.parse(signal.flatMap { $0.isEmpty ? nil : $0 } ?? "SIGKILL")
        guard record.isRunning else {
            throw BerthError.conflict("Cannot kill container: \(record.id): Container \(record.id) is not running")
        }
        if number == SIGKILL || number == SIGTERM || number == SIGINT {
            record.manuallyStopped = true
            try save(record)
        }
        if number == SIGKILL {
            let exit = nextExit(record.id)
            try await runtime.kill(record.id, signal: number)
            emit("kill", record, extra: ["signal": String(number)])
            _ = await exit.result
        } else {
            try await runtime.kill(record.id, signal: number)
            emit("kill", record, extra: ["signal": String(number)])
        }
    }

    func restart(_ name: String, options: StopOptions) async throws {
        let record = try lookup(name)
        if record.isRunning {
            do { try await stop(record.id, options: options) } catch is AlreadyInState {}
        }
        try await start(record.id)
        if var updated = records[record.id] {
            updated.manuallyStopped = false
            try save(updated)
            emit("restart", updated)
        }
    }

    func wait(_ name: String, condition: WaitCondition) throws -> PendingWait {
        let record = try lookup(name)
        switch condition {
        case .notRunning where !record.isRunning:
            let code = record.exitCode
            return PendingWait { ContainerWaitResponse(statusCode: Int64(code)) }
        case .notRunning, .nextExit:
            let waiter = nextExit(record.id)
            return PendingWait { ContainerWaitResponse(statusCode: Int64(await waiter.result)) }
        case .removed:
            let waiter = OneShot<Int>()
            removeWaiters[record.id, default: []].append(waiter)
            return PendingWait { ContainerWaitResponse(statusCode: Int64(await waiter.result)) }
        }
    }

    func remove(_ name: String, options: RemoveOptions) async throws {
        var record = try lookup(name)
        if record.isRunning {
            guard options.force else {
                let state = record.status == .paused ? "paused" : (record.status == .restarting ? "restarting" : "running")
                throw BerthError.conflict("cannot remove container \"/\(record.name)\": container is \(state): stop the container before removing or force remove")
            }
            record.manuallyStopped = true
            try save(record)
            let exit = nextExit(record.id)
            if record.status == .restarting {
                record.status = .exited
                try save(record)
            } else {
                if record.status == .paused { try? await runtime.resume(record.id) }
                await forceKill(record.id)
                _ = await exit.result
            }
        }
        guard records[record.id] != nil, records[record.id]?.status != .removing else { return }
        record = records[record.id]!
        record.status = .removing
        records[record.id] = record
        var clock = PhaseClock()
        // The exit handler deleted it already, unless the daemon died first.
        if runtime.hasState(record.id) { try? await runtime.delete(record.id) }
        unmountRootfs(record.id)
        clock.mark("runtime delete+unmount")
        try await images.removeRootfs(key: "container-\(record.id)")
        clock.mark("rootfs snapshot")
        forgetAttachments(record.id, removeVolumes: options.removeVolumes)
        clock.mark("network+volumes")
        try? FileManager.default.removeItem(atPath: paths.monitor(record.id).directory)
        try? FileManager.default.removeItem(atPath: paths.container(record.id))
        clock.mark("files")
        try db.delete(record.id)
        clock.mark("record")
        traced(clock, "remove", record.id)
        records.removeValue(forKey: record.id)
        for execID in record.execIDs {
            execs.removeValue(forKey: execID)
            try? FileManager.default.removeItem(atPath: paths.exec(execID).directory)
        }
        emit("destroy", record)
        for waiter in exitWaiters.removeValue(forKey: record.id) ?? [] { waiter.fulfill(record.exitCode) }
        for waiter in removeWaiters.removeValue(forKey: record.id) ?? [] { waiter.fulfill(record.exitCode) }
        for waiter in pendingAttaches.removeValue(forKey: record.id) ?? [] { waiter.fulfill(nil) }
    }

    func pause(_ name: String) async throws {
        var record = try lookup(name)
        guard record.status == .running else {
            if record.status == .paused { throw BerthError.conflict("Container \(record.id) is already paused") }
            throw BerthError.conflict("Container \(record.id) is not running")
        }
        try await runtime.pause(record.id)
        record.status = .paused
        try save(record)
        emit("pause", record)
    }

    func unpause(_ name: String) async throws {
        var record = try lookup(name)
        guard record.status == .paused else { throw BerthError.conflict("Container \(record.id) is not paused") }
        try await runtime.resume(record.id)
        record.status = .running
        try save(record)
        emit("unpause", record)
    }

    func rename(_ name: String, to newName: String) throws {
        var record = try lookup(name)
        var target = newName
        if target.hasPrefix("/") { target.removeFirst() }
        guard Self.validName(target) else {
            throw BerthError.invalidArgument("Invalid container name (\(target)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        if target == record.name { throw BerthError.invalidArgument("Renaming a container with the same name as its current name") }
        if let other = records.values.first(where: { $0.name == target }) {
            throw BerthError.conflict("Conflict. The container name \"/\(target)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
        }
        let old = record.name
        record.name = target
        try save(record)
        network?.rename(containerID: record.id, to: target)
        emit("rename", record, extra: ["oldName": "/" + old])
    }

    /// At daemon start: keep containers whose monitor still runs (live
    /// restore), record the exit of the others from their exit file, and
    /// start `always`/`unless-stopped` ones that were running.
    public func restore() async {
        for record in records.values.sorted(by: { $0.created < $1.created }) {
            let files = paths.monitor(record.id)
            guard record.isRunning || record.status == .removing else { continue }
            if record.status == .removing {
                try? await remove(record.id, options: RemoveOptions(force: true))
                continue
            }
            if MonitorLauncher.runningMonitor(files) != nil, let connection = try? MonitorConnection(path: files.attachSocket) {
                watch(record.id, connection: connection)
                startHealthCheck(record)
                continue
            }
            await exited(record.id)
        }
        // Links, rules and DNS of containers that died meanwhile go; the
        // firewall table is rewritten for the ones still running.
        try? network?.reconcile(running: runningIDs(), known: Set(records.keys))
        for record in records.values where !record.isRunning && record.hasBeenStarted && !record.manuallyStopped {
            let policy = record.hostConfig.restartPolicy?.name ?? "no"
            if policy == "always" || policy == "unless-stopped" {
                try? await start(record.id)
            }
        }
    }
}
