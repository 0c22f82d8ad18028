import ArgumentParser
import BerthRuntime
import BerthSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `berth runtime …`: an OCI runtime with runc's command line, so the
/// monitor, containerd or dockerd can drive it as they drive runc. Global
/// options come before the verb as runc's do (`--root R --log L create …`),
/// so this command parses them itself and hands the rest to the verb.
struct RuntimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "An OCI runtime with runc's command line (create, start, state, kill, delete, run, exec …).",
        discussion: "Global options, before the command: --root DIR (default /run/berth/runtime), --log FILE, --log-format text|json, --debug, --systemd-cgroup.")

    @Argument(parsing: .captureForPassthrough, help: "[global options] COMMAND [options] ARGS")
    var arguments: [String] = []

    static let verbs: [any ParsableCommand.Type] = [
        RuntimeCreate.self, RuntimeStart.self, RuntimeState.self, RuntimeKill.self, RuntimeDelete.self,
        RuntimeRun.self, RuntimeExec.self, RuntimePs.self, RuntimePause.self, RuntimeResume.self,
        RuntimeSpec_.self, RuntimeList.self, RuntimeUpdate.self,
    ]

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var globals = RuntimeGlobals()
        var rest = arguments[...]
        while let a = rest.first, a.hasPrefix("-") {
            rest = rest.dropFirst()
            let (name, inline) = a.contains("=") ? (String(a.split(separator: "=", maxSplits: 1)[0]), String(a.split(separator: "=", maxSplits: 1)[1])) : (a, nil)
            func value() throws -> String {
                if let inline { return inline }
                guard let v = rest.first else { throw ValidationError("\(name) needs a value") }
                rest = rest.dropFirst()
                return v
            }
            switch name {
            case "--root": globals.root = try value()
            case "--log": globals.log = try value()
            case "--log-format": globals.logFormat = try value()
            case "--criu", "--rootless": _ = try value()
            case "--debug": globals.debug = true
            case "--systemd-cgroup": globals.systemdCgroup = true
            case "-h", "--help": print(Self.helpMessage()); return
            case "-v", "--version": print("berth runtime \(Berth.version)\nspec: 1.2.0"); return
            default: throw ValidationError("unknown global option \(name)")
            }
        }
        guard let verb = rest.first else { print(Self.helpMessage()); return }
        guard let type = Self.verbs.first(where: { $0.configuration.commandName == verb }) else {
            throw ValidationError("unknown runtime command \(verb.debugDescription)")
        }
        RuntimeGlobals.current = globals
        var command: any ParsableCommand
        do { command = try type.parseAsRoot(Array(rest.dropFirst())) } catch {
            let message = type.message(for: error)
            if type.exitCode(for: error) == .success { print(type.fullMessage(for: error)); return }
            globals.logError("\(verb): \(message)")
            throw ExitCode(1)
        }
        do { try command.run() } catch let exit as ExitCode {
            throw exit
        } catch {
            globals.logError("\(error)")
            throw ExitCode(1)
        }
    }
}

/// runc's global options.
struct RuntimeGlobals {
    nonisolated(unsafe) static var current = RuntimeGlobals()
    var root = "/run/berth/runtime"
    var log: String?
    var logFormat = "text"
    var debug = false
    var systemdCgroup = false

    func makeRuntime() -> Runtime {
        let runtime = Runtime(root: root)
        runtime.warn = { self.logLine("warning", $0) }
        return runtime
    }

    /// An error on stderr and in --log (runc's format for --log-format json,
    /// which containerd reads back).
    func logError(_ message: String) {
        FileHandleStderr.write("berth runtime: \(message)\n")
        logLine("error", message, toStderr: false)
    }

    func logLine(_ level: String, _ message: String, toStderr: Bool = true) {
        if toStderr && level != "error" { FileHandleStderr.write("berth runtime: \(level): \(message)\n") }
        guard let log else { return }
        let time = Date().formatted(.iso8601)
        let line: String
        if logFormat == "json" {
            let escaped = String(decoding: (try? JSONEncoder().encode(message)) ?? Data("\"\"".utf8), as: UTF8.self)
            line = "{\"level\":\"\(level)\",\"msg\":\(escaped),\"time\":\"\(time)\"}\n"
        } else {
            line = "time=\"\(time)\" level=\(level) msg=\(message.debugDescription)\n"
        }
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }; close(fd) }
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        _ = s.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress, $0.count - 1) }
    }
}

/// "KILL", "SIGKILL", "9" → 9.
func parseSignal(_ text: String) throws -> Int32 {
    if let n = Int32(text), n > 0, n < 65 { return n }
    let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT, "BUS": SIGBUS,
        "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE,
        "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
        "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
        "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
    if let n = names[name] { return n }
    if name.hasPrefix("RTMIN+"), let k = Int32(name.dropFirst(6)) { return 34 + k }  // glibc's SIGRTMIN
    throw BerthError.invalidArgument("unknown signal \(text.debugDescription)")
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
