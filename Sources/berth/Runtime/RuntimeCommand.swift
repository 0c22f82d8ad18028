import BerthRuntime
import BerthSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One verb of `berth runtime`: its command line as data (`spec`, parsed
/// by BerthSystem's `CommandSpec`), its options read from the parsed
/// arguments (a bad value is an error before anything runs), and its work.
protocol RuntimeVerb {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments) throws
    func run() throws
}

/// `berth runtime …`: an OCI runtime with runc's command line, so the
/// monitor, containerd or dockerd can drive it as they drive runc. Global
/// options come before the verb as runc's do (`--root R --log L create …`).
/// `BerthMain` calls `main` before ArgumentParser sees the command line: a
/// table-driven parse costs microseconds, ArgumentParser's reflection over
/// a command's property wrappers ~5 ms per start.
enum RuntimeCommand {
    static let abstract = "An OCI runtime with runc's command line (create, start, state, kill, delete, run, exec …)."

    static var verbs: [any RuntimeVerb.Type] {
        [RuntimeCreate.self, RuntimeStart.self, RuntimeState.self, RuntimeKill.self, RuntimeDelete.self,
         RuntimeRun.self, RuntimeExec.self, RuntimePs.self, RuntimePause.self, RuntimeResume.self,
         RuntimeSpec_.self, RuntimeList.self, RuntimeUpdate.self]
    }

    static let spec = CommandSpec("berth runtime", abstract: abstract, options: [
        .init("root", value: "DIR", default: "/run/berth/runtime", help: "Where the containers' state is kept."),
        .init("log", value: "FILE", help: "Also write errors and warnings to this file."),
        .init("log-format", value: "FORMAT", default: "text", help: "The --log format: text or json (runc's, which containerd reads)."),
        .init(flag: "debug", help: "Accepted for runc compatibility."),
        .init(flag: "systemd-cgroup", help: "Accepted for runc compatibility."),
        .init("criu", value: "PATH", help: "Accepted for runc compatibility."),
        .init("rootless", value: "VALUE", help: "Accepted for runc compatibility."),
        .init(flag: "version", short: "v", help: "Print the version."),
    ], positionals: [.init("COMMAND", "command", .rest)], commands: verbs.map { ($0.spec.name, $0.spec.abstract) })

    /// Runs `berth runtime ARGUMENTS` and exits: 0, the process's status
    /// (`run`, `exec`), or 1 after an error on stderr and in --log.
    static func main(_ arguments: [String]) -> Never {
        signal(SIGPIPE, SIG_IGN)
        guard let top = parse(spec, arguments, RuntimeGlobals(), verb: nil) else { exit(0) }
        if top.flag("version") {
            print("berth runtime \(Berth.version)\nspec: 1.2.0")
            exit(0)
        }
        var globals = RuntimeGlobals()
        globals.root = top.string("root")
        globals.log = top.value("log")
        globals.logFormat = top.string("log-format")
        guard let name = top.rest.first else {
            print(spec.usage())
            exit(0)
        }
        guard let verb = verbs.first(where: { $0.spec.name == name }) else {
            globals.logError("unknown runtime command \(name.debugDescription) (see berth runtime --help)")
            exit(1)
        }
        RuntimeGlobals.current = globals
        guard let arguments = parse(verb.spec, Array(top.rest.dropFirst()), globals, verb: name) else { exit(0) }
        let command: any RuntimeVerb
        do { command = try verb.init(arguments) } catch {
            globals.logError("\(name): \(error)")
            exit(1)
        }
        do { try command.run() } catch {
            globals.logError("\(error)")
            exit(1)
        }
        exit(0)
    }

    /// The parsed arguments, or nil once `-h`/`--help` printed the usage;
    /// a bad command line is logged ("create: unknown option --frob") and exits 1.
    private static func parse(_ spec: CommandSpec, _ arguments: [String], _ globals: RuntimeGlobals, verb: String?) -> ParsedArguments? {
        do {
            switch try spec.parse(arguments) {
            case .run(let parsed): return parsed
            case .help:
                print(spec.usage())
                return nil
            }
        } catch {
            globals.logError(verb.map { "\($0): \(error)" } ?? "\(error)")
            exit(1)
        }
    }
}

/// runc's global options.
struct RuntimeGlobals {
    nonisolated(unsafe) static var current = RuntimeGlobals()
    var root = "/run/berth/runtime"
    var log: String?
    var logFormat = "text"

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
        let time = RFC3339.now()
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
