import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension ContainerService {
    func start(_ name: String) async throws {
        let record = try lookup(name)
        if record.status == .running || record.status == .paused { throw AlreadyInState() }
        guard !busy.contains(record.id) else {
            throw BerthError.conflict("container \(record.id) is busy (being started, stopped or removed)")
        }
        busy.insert(record.id)
        defer { busy.remove(record.id) }
        if record.manuallyStopped {
            var fresh = record
            fresh.manuallyStopped = false
            try save(fresh)
        }
        do {
            try await run(record.id)
        } catch {
            // A failed start leaves the container exited with code 128, the
            // error in State.Error (as dockerd does), and nothing mounted.
            if var failed = records[record.id] {
                failed.status = failed.hasBeenStarted ? .exited : .created
                failed.exitCode = 128
                failed.error = "\(error)"
                try? save(failed)
            }
            try? await runtime.delete(record.id)
            stopAttachments(record.id)
            unmountRootfs(record.id)
            for waiter in pendingAttaches.removeValue(forKey: record.id) ?? [] { waiter.fulfill(nil) }
            // --rm: a container that could not start is removed too (moby's
            // containerStart cleanup), so a client waiting for "removed" returns.
            if record.hostConfig.autoRemove == true {
                busy.remove(record.id)
                try? await remove(record.id, options: RemoveOptions(removeVolumes: true, force: true))
            }
            if let berth = error as? BerthError, berth.code == .internalError {
                throw BerthError(.internalError, "failed to create task for container: OCI runtime create failed: \(berth.message)")
            }
            throw error
        }
    }

    /// Mounts the rootfs, writes the bundle, runs the monitor (which runs
    /// the runtime's `create`), connects attach clients, then `start`s.
    func run(_ id: String) async throws {
        guard var record = records[id] else { throw BerthError.notFound("No such container: \(id)") }
        var clock = PhaseClock()
        let files = paths.monitor(id)
        try? FileManager.default.removeItem(atPath: files.directory)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        // Left by a daemon that died before it could delete it.
        if runtime.hasState(id) { try? await runtime.delete(id) }
        clock.mark("prepare")
        try mountRootfs(id)
        clock.mark("mount")
        let attached = try startAttachments(record)
        let etc = try attached?.etcFiles ?? writeEtcFiles(record)
        clock.mark("network")
        var builder = SpecBuilder(record: record, rootfs: paths.rootfs(id), etcFiles: etc,
                                  cgroupsPath: "\(cgroupParent)/\(id)")
        builder.networkNamespacePath = attached?.namespacePath
        builder.volumeMounts = attached?.mounts ?? []
        let spec = try builder.build()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Rewritten at every start, so atomic but not fsynced.
        try DurableFile.write(paths.bundle(id) + "/config.json", Array(encoder.encode(spec)), mode: 0o600, durable: false)
        clock.mark("bundle")

        let logConfig = record.hostConfig.logConfig
        let log = logConfig?.type == "none" ? nil : paths.log(id)
        let maxSize = Self.parseSize(logConfig?.config?["max-size"] ?? "")
        let maxFiles = Int(logConfig?.config?["max-file"] ?? "") ?? 1
        let command = runtime.createArguments(id: id, bundle: paths.bundle(id), pidFile: files.pidFile,
                                              consoleSocket: record.tty ? files.consoleSocket : nil, log: files.runtimeLog)
        // Published ports reach the firewall (an nft run) while the monitor
        // and the runtime create the container; both are done before start.
        let pendingFirewall = attached?.firewallPending == true ? network : nil
        async let firewall: Void = { if let pendingFirewall { try await offload { try pendingFirewall.applyFirewall() } } }()
        let pid: Int32
        do {
            pid = try await launcher.launch(files: files, log: log, logMaxSize: maxSize, logMaxFiles: maxFiles,
                                            tty: record.tty, openStdin: record.config.openStdin ?? false, command: command)
        } catch {
            try? await firewall
            throw error
        }
        try await firewall
        clock.mark("monitor+runtime create")
        // Attach clients and the exit watcher connect before `start`, so
        // they see the first byte the container writes.
        for waiter in pendingAttaches.removeValue(forKey: id) ?? [] {
            waiter.fulfill(try? MonitorConnection(path: files.attachSocket))
        }
        let watcher = try? MonitorConnection(path: files.attachSocket)
        clock.mark("connect")
        try await runtime.start(id)
        clock.mark("runtime start")

        record = records[id] ?? record
        record.status = .running
        record.pid = Int(pid)
        record.exitCode = 0
        record.error = ""
        record.startedAt = Timestamp.now()
        record.hasBeenStarted = true
        try save(record)
        clock.mark("record")
        traced(clock, "start", id)
        emit("start", record)
        watch(id, connection: watcher)
        startHealthCheck(record)
        // A stop that came while a restart was starting it wins.
        if record.manuallyStopped {
            let signal = (try? Signals.parse(record.config.stopSignal ?? "SIGTERM")) ?? SIGTERM
            try? await runtime.kill(id, signal: signal)
        }
    }

    /// Waits for the monitor to end (its attach socket closes), then
    /// handles the exit with what the exit file says.
    func watch(_ id: String, connection: MonitorConnection?) {
        Task.detached { [weak self] in
            if let connection {
                for await _ in connection.frames() {}
            }
            // The monitor writes the exit file before it closes its sockets;
            // give it a moment when the socket was already gone.
            let files = await self?.paths.monitor(id)
            if let files {
                for _ in 0..<100 where ExitRecord.read(files.exitFile) == nil && MonitorLauncher.runningMonitor(files) != nil {
                    try? await Task.sleep(nanoseconds: 20_000_000)
                }
            }
            await self?.exited(id)
        }
    }

    /// The container's init is gone: record it, clean up, wake waiters,
    /// apply the restart policy or auto-remove.
    func exited(_ id: String) async {
        guard records[id]?.isRunning == true, !exiting.contains(id) else { return }
        let files = paths.monitor(id)
        let exit = ExitRecord.read(files.exitFile)
        // Cleaned up before the state says exited (moby's handleContainerExit:
        // Cleanup, then SetStopped): a start that comes meanwhile finds it
        // still running instead of having its new namespace torn down.
        var clock = PhaseClock()
        exiting.insert(id)
        try? await runtime.delete(id)
        clock.mark("runtime delete")
        stopAttachments(id)
        clock.mark("network")
        unmountRootfs(id)
        clock.mark("unmount")
        exiting.remove(id)
        guard var record = records[id] else { return }
        record.status = .exited
        record.pid = 0
        record.exitCode = exit?.exitCode ?? 255
        record.finishedAt = exit?.finishedAt ?? Timestamp.now()
        health[id] = nil
        if exit == nil { record.error = "the container's monitor ended without recording an exit status" }
        if record.hostConfig.autoRemove == true {
            // Its row goes in a moment; a daemon that dies first finds it
            // running without a monitor and removes it then.
            records[id] = record
        } else {
            try? save(record)
        }
        clock.mark("record")
        traced(clock, "exit", id)
        emit("die", record, extra: ["exitCode": String(record.exitCode)])
        for waiter in exitWaiters.removeValue(forKey: id) ?? [] { waiter.fulfill(record.exitCode) }

        if record.hostConfig.autoRemove == true {
            try? await remove(id, options: RemoveOptions(removeVolumes: true, force: true))
            return
        }
        if shouldRestart(record) {
            await scheduleRestart(id)
        }
    }

    /// moby's `restartmanager.ShouldRestart`.
    func shouldRestart(_ record: ContainerRecord) -> Bool {
        guard !record.manuallyStopped else { return false }
        let policy = record.hostConfig.restartPolicy
        switch policy?.name ?? "no" {
        case "always", "unless-stopped": return true
        case "on-failure":
            let max = policy?.maximumRetryCount ?? 0
            return record.exitCode != 0 && (max == 0 || record.restartCount < max)
        default: return false
        }
    }

    /// Restarts after a delay that doubles from 100 ms (moby's backoff),
    /// reset when the container ran for 10 s.
    func scheduleRestart(_ id: String) async {
        guard var record = records[id] else { return }
        let ranFor = (Timestamp.unixSeconds(record.finishedAt) ?? 0) - (Timestamp.unixSeconds(record.startedAt) ?? 0)
        let delay = ranFor >= 10 ? 0.1 : min(60, 0.1 * pow(2, Double(min(record.restartCount, 10))))
        record.status = .restarting
        record.restartCount += 1
        try? save(record)
        Task.detached { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            await self?.restartAfterDelay(id)
        }
    }

    func restartAfterDelay(_ id: String) async {
        guard var record = records[id], record.status == .restarting, !record.manuallyStopped else { return }
        do {
            try await run(id)
            emit("restart", records[id] ?? record)
        } catch {
            record.status = .exited
            record.error = "\(error)"
            try? save(record)
        }
    }

    // MARK: - rootfs and /etc files

    func mountRootfs(_ id: String) throws {
        let target = paths.rootfs(id)
        if isMountPoint(target) { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: paths.container(id) + "/rootfs-mounts.json"))
        let mounts = try JSONDecoder().decode([BerthStore.Mount].self, from: data)
        try Mounter.mount(mounts, at: target)
    }

    func unmountRootfs(_ id: String) {
        if rootfsHolds[id, default: 0] > 0 { return } // released by the last holder (`releaseFilesystem`)
        let target = paths.rootfs(id)
        while isMountPoint(target) {
            if (try? Mounter.unmount(target)) == nil {
                try? Mounter.unmount(target, detach: true)
                break
            }
        }
    }

    func isMountPoint(_ path: String) -> Bool { ProcFile.isMountPoint(path) }

    /// /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, kept
    /// in its directory and bind-mounted, as dockerd does; rewritten at every
    /// start, so atomic but not fsynced.
    func writeEtcFiles(_ record: ContainerRecord) throws -> [(destination: String, source: String)] {
        let directory = paths.container(record.id)
        let hostname = record.config.hostname ?? record.shortID
        try DurableFile.write(directory + "/hostname", Array((hostname + "\n").utf8), durable: false)
        let hosts = """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff00::0\tip6-mcastprefix
        ff02::1\tip6-allnodes
        ff02::2\tip6-allrouters

        """ + (record.hostConfig.extraHosts ?? []).compactMap { entry -> String? in
            let parts = entry.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? "\(parts[1])\t\(parts[0])\n" : nil
        }.joined()
        try DurableFile.write(directory + "/hosts", Array(hosts.utf8), durable: false)
        var resolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        if let dns = record.hostConfig.dns, !dns.isEmpty {
            resolv = dns.map { "nameserver \($0)\n" }.joined()
            if let search = record.hostConfig.dnsSearch, !search.isEmpty { resolv += "search \(search.joined(separator: " "))\n" }
        }
        try DurableFile.write(directory + "/resolv.conf", Array(resolv.utf8), durable: false)
        return [("/etc/hostname", directory + "/hostname"), ("/etc/hosts", directory + "/hosts"),
                ("/etc/resolv.conf", directory + "/resolv.conf")]
    }

    /// "10m", "1g", "512k", "100" → bytes (go-units' RAMInBytes).
    static func parseSize(_ text: String) -> Int64 {
        let lower = text.lowercased().trimmingWhitespace(newlines: false)
        guard !lower.isEmpty else { return 0 }
        let units: [(String, Int64)] = [("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            return Int64((Double(lower.dropLast(suffix.count)) ?? 0) * Double(factor))
        }
        return Int64(lower) ?? 0
    }
}
