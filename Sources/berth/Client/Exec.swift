import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// `berth exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]`:
/// exits with the command's code (126/127 when it cannot be run).
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Execute a command in a running container.")
    @Flag(name: .shortAndLong, help: "Keep STDIN open even if not attached.") var interactive = false
    @Flag(name: .shortAndLong, help: "Allocate a pseudo-TTY.") var tty = false
    @Flag(name: .shortAndLong, help: "Detached mode: run command in the background.") var detach = false
    @Option(name: .shortAndLong, help: "Set environment variables.") var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read in a file of environment variables.") var envFile: [String] = []
    @Option(name: .shortAndLong, help: "Username or UID (format: <name|uid>[:<group|gid>]).") var user: String?
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Flag(name: .long, help: "Give extended privileges to the command.") var privileged = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching.") var detachKeys: String?
    @Argument(help: "The container.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("\"exec\" requires at least 2 arguments") }
    }

    func run() throws {
        var code: Int32 = 0
        try withClient { client in
            if interactive && tty && isatty(STDIN_FILENO) != 1 { throw BerthError.invalidArgument("the input device is not a TTY") }
            var config = ExecConfig()
            config.cmd = command
            config.tty = tty
            config.attachStdin = interactive && !detach
            config.attachStdout = !detach
            config.attachStderr = !detach
            config.env = try envFile.flatMap { try readEnvFile($0) } + env.map(expandEnv)
            config.user = user
            config.workingDir = workdir
            config.privileged = privileged
            config.detachKeys = detachKeys
            if tty, let size = terminalSize() { config.consoleSize = [size.height, size.width] }
            let execID: String
            do {
                execID = try client.execCreate(container, config)
            } catch let error as APIError {
                printError("Error response from daemon: \(error.message)")
                throw ExitCode(error.status == 404 || error.status == 409 ? 1 : 126)
            }
            if detach { try client.execStartDetached(execID, tty: tty); return }
            let stream: HijackedStream
            do {
                stream = try client.execStart(execID, tty: tty, consoleSize: config.consoleSize)
            } catch let error as APIError {
                printError("Error response from daemon: \(error.message)")
                let text = error.message.lowercased()
                throw ExitCode(text.contains("not found") || text.contains("no such file") ? 127 : 126)
            }
            let terminal = tty && interactive ? RawTerminal() : nil
            var pump = StreamPump(stream: stream, tty: tty, stdin: interactive)
            if tty { pump.resize = { h, w in try? client.execResize(execID, height: h, width: w) } }
            if let detachKeys { pump.detachKeys = try parseDetachKeys(detachKeys) }
            let outcome = try pump.run()
            terminal?.restore()
            guard outcome == .ended else { return }
            code = Int32(truncatingIfNeeded: try client.execInspect(execID).exitCode ?? 0)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
