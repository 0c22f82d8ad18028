import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An exec instance (moby's `exec.Config`).
struct ExecRecord: Sendable {
    var id: String
    var containerID: String
    var config: ExecConfig
    var running = false
    var exitCode: Int?
    var pid = 0
    var started = false
}

extension ContainerService {
    func execCreate(_ name: String, _ config: ExecConfig) throws -> IDResponse {
        var record = try lookup(name)
        guard record.status == .running else {
            if record.status == .paused { throw BerthError.conflict("Container \(record.id) is paused, unpause the container before exec") }
            throw BerthError.conflict("container \(record.id) is not running")
        }
        guard let cmd = config.cmd, !cmd.isEmpty else { throw BerthError.invalidArgument("No exec command specified") }
        _ = try DetachKeys(config.detachKeys)
        let id = Self.newID()
        execs[id] = ExecRecord(id: id, containerID: record.id, config: config)
        record.execIDs.append(id)
        try save(record)
        emit("exec_create: \(cmd.joined(separator: " "))", record, extra: ["execID": id])
        return IDResponse(id: id)
    }

    func execLookup(_ id: String) throws -> ExecRecord {
        guard let exec = execs[id] else { throw BerthError.notFound("No such exec instance: \(id)") }
        return exec
    }

    func execStart(_ id: String, _ start: ExecStartConfig, connection: (any HijackRequest)?) async throws {
        var exec = try execLookup(id)
        guard !exec.started else { throw BerthError.conflict("Error: Exec command \(id) has already run") }
        guard let container = records[exec.containerID], container.status == .running else {
            throw BerthError.conflict("container \(exec.containerID) is not running")
        }
        exec.started = true
        exec.running = true
        execs[id] = exec
        let tty = start.tty ?? exec.config.tty ?? false
        let files = paths.exec(id)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        let process = try execProcess(exec.config, container: container, tty: tty)
        let encoder = JSONEncoder()
        try DurableFile.write(files.directory + "/process.json", Array(encoder.encode(process)), mode: 0o600)
        let command = runtime.execArguments(id: container.id, processFile: files.directory + "/process.json", pidFile: files.pidFile,
                                            consoleSocket: tty ? files.consoleSocket : nil, log: files.runtimeLog)
        // Attached: the 101/200 head goes out before the process runs, as
        // dockerd does. A client reading the head through a buffered reader
        // (docker-py: http.client, then the raw socket) would otherwise take
        // output sent right behind it into that buffer and never see it.
        let client = try await connection?.hijack(multiplexed: !tty)
        let pid: Int32
        let monitor: MonitorConnection?
        do {
            (pid, monitor) = try await launcher.launch(files: files, log: nil, logMaxSize: 0, logMaxFiles: 1, tty: tty,
                                                       openStdin: exec.config.attachStdin ?? false, command: command,
                                                       connectFirst: true)
        } catch {
            execs[id]?.running = false
            execs[id]?.exitCode = 126
            let failure = BerthError(.internalError, "OCI runtime exec failed: \(error)")
            guard let client else { throw failure }
            // Too late for a status: the message goes to the stream (dockerd).
            try? await client.write(Array("\(failure.message)\r\n".utf8), stream: .stdout)
            await client.close()
            return
        }
        execs[id]?.pid = Int(pid)
        emit("exec_start: \((exec.config.cmd ?? []).joined(separator: " "))", container, extra: ["execID": id])
        guard let client else {
            // Detached: record the exit when the monitor ends.
            Task.detached { [weak self] in
                if let monitor { for await _ in monitor.frames() {} }
                await self?.execExited(id, files: files)
            }
            return
        }
        if let monitor {
            let detached = try await Self.pump(monitor: monitor, client: client, stdin: exec.config.attachStdin ?? false,
                                               stdout: exec.config.attachStdout ?? true, stderr: exec.config.attachStderr ?? true,
                                               tty: tty, closeStdinAtEOF: true,
                                               detachKeys: (try? DetachKeys(exec.config.detachKeys)) ?? .standard) { [weak self] in
                // Recorded before the stream ends: docker and docker-py
                // inspect the exit code right after it.
                await self?.execExited(id, files: files)
            }
            if detached {
                // The process goes on: a new connection to its monitor ends at its exit.
                Task.detached { [weak self] in
                    if let watch = try? MonitorConnection(path: files.attachSocket) { for await _ in watch.frames() {} }
                    await self?.execExited(id, files: files)
                }
            }
        } else {
            await execExited(id, files: files)
            await client.close()
        }
    }

    func execExited(_ id: String, files: MonitorLauncher.Files) async {
        for _ in 0..<100 where ExitRecord.read(files.exitFile) == nil && MonitorLauncher.runningMonitor(files) != nil {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        execs[id]?.running = false
        execs[id]?.exitCode = ExitRecord.read(files.exitFile)?.exitCode ?? 126
        if let exec = execs[id], let container = records[exec.containerID] {
            emit("exec_die", container, extra: ["execID": id, "exitCode": String(execs[id]?.exitCode ?? 0)])
        }
    }

    func execProcess(_ config: ExecConfig, container: ContainerRecord, tty: Bool) throws -> RuntimeSpec.Process {
        var env = container.config.env ?? []
        for entry in config.env ?? [] {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            env.removeAll { ($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0) == key }
            env.append(entry)
        }
        let cwd = config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? container.config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        var process = RuntimeSpec.Process(terminal: tty, args: config.cmd, env: env, cwd: cwd)
        let user = config.user.flatMap { $0.isEmpty ? nil : $0 } ?? container.config.user ?? ""
        process.user = try UserLookup(rootfs: paths.rootfs(container.id)).resolve(user, groupAdd: container.hostConfig.groupAdd ?? [])
        let privileged = (config.privileged ?? false) || (container.hostConfig.privileged ?? false)
        let caps = try Capabilities.effective(add: container.hostConfig.capAdd ?? [], drop: container.hostConfig.capDrop ?? [],
                                              privileged: privileged)
        process.capabilities = RuntimeSpec.Capabilities(bounding: caps, effective: caps, permitted: caps)
        // The container's ulimits hold for its execs too (runc would
        // otherwise hand the exec the daemon's own limits).
        let rlimits = (container.hostConfig.ulimits ?? []).compactMap { limit in
            limit.name.map { RuntimeSpec.Rlimit(type: "RLIMIT_" + $0.uppercased(), hard: UInt64(limit.hard ?? 0), soft: UInt64(limit.soft ?? 0)) }
        }
        if !rlimits.isEmpty { process.rlimits = rlimits }
        if tty, let size = config.consoleSize, size.count == 2, size[0] > 0 {
            process.consoleSize = RuntimeSpec.ConsoleSize(height: UInt32(size[0]), width: UInt32(size[1]))
        }
        return process
    }

    func execInspect(_ id: String) throws -> ExecInspectResponse {
        let exec = try execLookup(id)
        var r = ExecInspectResponse()
        r.id = exec.id
        r.containerID = exec.containerID
        r.running = exec.running
        r.exitCode = exec.exitCode
        r.pid = exec.pid
        r.canRemove = false
        r.detachKeys = exec.config.detachKeys ?? ""
        r.openStdin = exec.config.attachStdin ?? false
        r.openStdout = exec.config.attachStdout ?? false
        r.openStderr = exec.config.attachStderr ?? false
        var process = ProcessConfig()
        process.entrypoint = exec.config.cmd?.first
        process.arguments = Array((exec.config.cmd ?? []).dropFirst())
        process.tty = exec.config.tty ?? false
        process.privileged = exec.config.privileged ?? false
        process.user = exec.config.user ?? ""
        r.processConfig = process
        return r
    }

    func execResize(_ id: String, height: Int, width: Int) throws {
        let exec = try execLookup(id)
        guard exec.running else { throw BerthError.conflict("Exec \(id) is not running") }
        let files = paths.exec(id)
        let connection = try MonitorConnection(path: files.attachSocket)
        connection.send(MonitorConnection.resize, Self.sizePayload(height: height, width: width))
    }
}
