import BerthOCI
import BerthRuntime
import BerthSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `exec`: runc exec — a process from --process (a process.json) or from
/// the arguments, with the container's own process as the default for
/// what is not given (env, user, capabilities…).
struct RuntimeExec: RuntimeVerb {
    static let spec = CommandSpec("berth runtime exec", abstract: "Run a new process in a running container.", options: [
        .init("console-socket", value: "PATH", help: "A Unix socket to receive the pty master on (--tty)."),
        .init("cwd", value: "DIR", help: "The working directory in the container."),
        .init("env", short: "e", value: "NAME=VALUE", help: "Add an environment variable (repeatable)."),
        .init(flag: "tty", short: "t", help: "Give the process a terminal."),
        .init("user", short: "u", value: "UID[:GID]", help: "The user to run as."),
        .init("additional-gids", short: "g", value: "GID", help: "An additional group (repeatable)."),
        .init("process", short: "p", value: "FILE", help: "A process.json (the process object of config.json)."),
        .init(flag: "detach", short: "d", help: "Do not wait for the process."),
        .init("pid-file", value: "PATH", help: "Write the process's pid here."),
        .init("process-label", value: "LABEL", help: "Accepted for runc compatibility."),
        .init("apparmor", value: "PROFILE", help: "Accepted for runc compatibility."),
        .init(flag: "no-new-privs", help: "Set no_new_privs for the process."),
        .init("cap", short: "c", value: "CAP", help: "Add a capability to every set (repeatable)."),
        .init("preserve-fds", value: "N", default: "0", help: "Accepted for runc compatibility (exec passes no extra fds yet)."),
        .init(flag: "ignore-paused", help: "Accepted for runc compatibility."),
    ], positionals: [containerID, .init("COMMAND", "command", .rest)])

    let id: String
    let command: [String]
    let consoleSocket: String?
    let cwd: String?
    let env: [String]
    let tty: Bool
    let user: String?
    let additionalGids: [UInt32]
    let process: String?
    let detach: Bool
    let pidFile: String?
    let noNewPrivs: Bool
    let cap: [String]

    init(_ a: ParsedArguments) throws {
        id = a.positionals[0]
        command = a.rest
        consoleSocket = a.value("console-socket")
        cwd = a.value("cwd")
        env = a.values("env")
        tty = a.flag("tty")
        user = a.value("user")
        additionalGids = try a.numbers("additional-gids")
        process = a.value("process")
        detach = a.flag("detach")
        pidFile = a.value("pid-file")
        noNewPrivs = a.flag("no-new-privs")
        cap = a.values("cap")
        _ = try a.number("preserve-fds", as: Int32.self)  // checked as runc does, not used
    }

    func run() throws {
        let runtime = RuntimeGlobals.current.makeRuntime()
        let state = try runtime.states.load(id)
        var proc: RuntimeSpec.Process
        if let process {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: process)))
            do { proc = try JSONDecoder().decode(RuntimeSpec.Process.self, from: Data(bytes)) } catch let e as DecodingError {
                throw BerthError.invalidArgument("\(process): \(SpecLoader.describe(e))")
            }
        } else {
            guard !command.isEmpty else { throw ArgumentError("exec needs a command or --process") }
            proc = state.config.process ?? RuntimeSpec.Process()
            proc.args = command
            proc.terminal = tty
            proc.env = (proc.env ?? []) + env
            if let cwd { proc.cwd = cwd }
            if let user {
                let parts = user.split(separator: ":")
                guard let uid = UInt32(parts[0]), parts.count < 2 || UInt32(parts[1]) != nil else {
                    throw ArgumentError("--user \(user.debugDescription): want UID[:GID]")
                }
                proc.user = .init(uid: uid, gid: parts.count > 1 ? UInt32(parts[1])! : 0)
            }
            if !additionalGids.isEmpty { proc.user.additionalGids = additionalGids }
            if noNewPrivs { proc.noNewPrivileges = true }
            if !cap.isEmpty {
                var caps = proc.capabilities ?? .init()
                for name in cap {
                    for kp in [\RuntimeSpec.Capabilities.bounding, \.effective, \.permitted, \.ambient, \.inheritable] {
                        caps[keyPath: kp] = (caps[keyPath: kp] ?? []) + [name]
                    }
                }
                proc.capabilities = caps
            }
        }
        var options = Runtime.ExecOptions(process: proc)
        options.detach = detach
        options.pidFile = pidFile
        options.consoleSocket = consoleSocket
        let status = try runtime.exec(id: id, options)
        if status != 0 { exit(status) }
    }
}
