import BerthRuntime
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The OCI runtime the monitor and the daemon run, spoken to with runc's
/// command line exactly (`create --bundle B --pid-file P [--console-socket S]
/// ID`, `start`, `kill`, `delete --force`, `state`, `pause`, `resume`,
/// `exec`), so `berth runtime`, Debian's runc and crun are interchangeable.
///
/// Global options: `--root` keeps each daemon's container state apart (two
/// daemons side by side never see each other's containers) and `--log`
/// with `--log-format json` is where runc writes why a command failed.
public struct OCIRuntime: Sendable {
    /// The runtime executable and any leading arguments (`berth runtime`).
    public let command: [String]
    /// The runtime's state directory (`--root`).
    public let stateRoot: String

    /// `start`, `kill`, `delete`, `pause` and `resume` run in the daemon
    /// (BerthRuntime's `Runtime`, on a thread of their own) instead of a
    /// process: they fork nothing, and each start of berth costs more than
    /// the work. Only for the daemon's own binary as the runtime: another
    /// berth or runc keeps its own state format.
    public let inProcess: Bool

    public init(command: [String], stateRoot: String, inProcess: Bool = false) {
        self.command = command
        self.stateRoot = stateRoot
        self.inProcess = inProcess && command.count >= 2 && command.last == "runtime"
    }

    /// The runtime to use when none is configured: `berth runtime` once this
    /// binary has it, else Debian's runc (see ARCHITECTURE.md, "runtime").
    public static func defaultCommand(berthExecutable: String, hasRuntimeCommand: Bool) -> [String] {
        if hasRuntimeCommand { return [berthExecutable, "runtime"] }
        return ["/usr/sbin/runc"]
    }

    /// Whether this is `berth runtime`, which alone understands berth's
    /// annotations (the `--init` process).
    public var isBerth: Bool { command.count >= 2 && command.last == "runtime" }

    func global(log: String? = nil) -> [String] {
        var args = command + ["--root", stateRoot]
        if let log { args += ["--log", log, "--log-format", "json"] }
        return args
    }

    /// The `create` command line the monitor runs.
    func createArguments(id: String, bundle: String, pidFile: String, consoleSocket: String?, log: String) -> [String] {
        var args = global(log: log) + ["create", "--bundle", bundle, "--pid-file", pidFile]
        if let consoleSocket { args += ["--console-socket", consoleSocket] }
        return args + [id]
    }

    /// The `exec --detach` command line the monitor runs for an exec.
    func execArguments(id: String, processFile: String, pidFile: String, consoleSocket: String?, log: String) -> [String] {
        var args = global(log: log) + ["exec", "--detach", "--process", processFile, "--pid-file", pidFile]
        if let consoleSocket { args += ["--console-socket", consoleSocket] }
        return args + [id]
    }

    func start(_ id: String) async throws {
        if inProcess { return try await local("start") { try $0.start(id: id) } }
        try await simple(["start", id], what: "start")
    }

    func pause(_ id: String) async throws {
        if inProcess { return try await local("pause") { try $0.pause(id: id) } }
        try await simple(["pause", id], what: "pause")
    }

    func resume(_ id: String) async throws {
        if inProcess { return try await local("resume") { try $0.resume(id: id) } }
        try await simple(["resume", id], what: "resume")
    }

    /// New cgroup limits for a live container: `update --resources FILE`
    /// (linux.resources JSON, as runc reads it).
    func update(_ id: String, resources: String) async throws { try await simple(["update", "--resources", resources, id], what: "update") }

    /// Sends `signal` to the init (`--all` would reach every process).
    func kill(_ id: String, signal: Int32) async throws {
        if inProcess { return try await local("kill") { try $0.kill(id: id, signal: signal) } }
        try await simple(["kill", id, String(signal)], what: "kill")
    }

    /// Whether the runtime keeps a record of `id` (runc, crun and `berth
    /// runtime` keep one directory per container under `--root`): a
    /// `delete` of a container never created would only cost a process.
    func hasState(_ id: String) -> Bool {
        access(stateRoot + "/" + id, F_OK) == 0
    }

    /// Removes the runtime's record; `--force` kills a running container first.
    func delete(_ id: String) async throws {
        // A container the runtime never heard of is already deleted (force).
        if inProcess { return try await local("delete") { try $0.delete(id: id, force: true) } }
        let output = try await Spawn.run(global() + ["delete", "--force", id])
        // A container the runtime never heard of is already deleted.
        if output.status != 0, !output.stderrText.contains("does not exist"), !output.stderrText.contains("not found") {
            throw BerthError.internalError("OCI runtime delete failed: \(Self.message(output.stderrText))")
        }
    }

    /// The runtime's view: "created", "running", "paused", "stopped"; nil when unknown.
    func state(_ id: String) async throws -> String? {
        let output = try await Spawn.run(global() + ["state", id])
        guard output.status == 0,
              let state = try? JSONDecoder().decode(StateOutput.self, from: Data(output.stdout)) else { return nil }
        return state.status
    }

    /// What berth reads of `runtime state`'s JSON.
    private struct StateOutput: Decodable { var status: String? }

    /// One JSON line of the runtime's log (`--log-format json`).
    private struct LogLine: Decodable {
        var level: String?
        var msg: String?
    }

    /// One of the runtime's fork-free commands in this process; errors read
    /// as the command's would.
    private func local(_ what: String, _ body: @escaping @Sendable (BerthRuntime.Runtime) throws -> Void) async throws {
        let root = stateRoot
        do {
            try await offload {
                let runtime = BerthRuntime.Runtime(root: root)
                runtime.reapsInit = false
                try body(runtime)
            }
        } catch {
            throw BerthError.internalError("OCI runtime \(what) failed: \(error)")
        }
    }

    private func simple(_ args: [String], what: String) async throws {
        let output = try await Spawn.run(global() + args)
        guard output.status == 0 else {
            throw BerthError.internalError("OCI runtime \(what) failed: \(Self.message(output.stderrText))")
        }
    }

    /// runc prints `time="…" level=error msg="…"` (text) or JSON lines;
    /// keep the last message, as dockerd shows it.
    static func message(_ text: String) -> String {
        let lines = text.split(separator: "\n").map(String.init)
        for line in lines.reversed() {
            if let object = try? JSONDecoder().decode(LogLine.self, from: Data(line.utf8)),
               let msg = object.msg {
                if object.level == "error" || lines.count == 1 { return msg }
                continue
            }
            if let range = line.firstRange(of: "msg=\"") {
                return String(line[range.upperBound...].dropLast(line.hasSuffix("\"") ? 1 : 0))
            }
            if !line.isEmpty { return line }
        }
        return text.trimmingWhitespace()
    }

    /// The error runc logged to its `--log` file, for a failed create.
    static func loggedError(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var last: String?
        for line in text.split(separator: "\n") {
            guard let object = try? JSONDecoder().decode(LogLine.self, from: Data(line.utf8)),
                  object.level == "error", let msg = object.msg else { continue }
            last = msg
        }
        return last
    }
}
