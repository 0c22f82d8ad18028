import ArgumentParser
import BerthOCI
import BerthRuntime
import BerthSystem
import FoundationEssentials

/// `exec`: runc exec — a process from --process (a process.json) or from
/// the arguments, with the container's own process as the default for
/// what is not given (env, user, capabilities…).
struct RuntimeExec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run a new process in a running container.")
    @Option var consoleSocket: String?
    @Option var cwd: String?
    @Option(name: [.short, .long]) var env: [String] = []
    @Flag(name: [.short, .long]) var tty = false
    @Option(name: [.short, .long], help: "UID[:GID]") var user: String?
    @Option(name: [.customShort("g"), .long]) var additionalGids: [UInt32] = []
    @Option(name: [.short, .long], help: "A process.json (the process object of config.json).") var process: String?
    @Flag(name: [.short, .long]) var detach = false
    @Option var pidFile: String?
    @Option var processLabel: String?
    @Option var apparmor: String?
    @Flag var noNewPrivs = false
    @Option(name: [.short, .long]) var cap: [String] = []
    @Option var preserveFds = 0
    @Flag var ignorePaused = false
    @Argument var id: String
    @Argument(parsing: .captureForPassthrough) var command: [String] = []

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
            guard !command.isEmpty else { throw ValidationError("exec needs a command or --process") }
            proc = state.config.process ?? RuntimeSpec.Process()
            proc.args = command
            proc.terminal = tty
            proc.env = (proc.env ?? []) + env
            if let cwd { proc.cwd = cwd }
            if let user {
                let parts = user.split(separator: ":")
                guard let uid = UInt32(parts[0]), parts.count < 2 || UInt32(parts[1]) != nil else {
                    throw ValidationError("--user \(user.debugDescription): want UID[:GID]")
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
        if status != 0 { throw ExitCode(status) }
    }
}
