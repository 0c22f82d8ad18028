import ArgumentParser
import BerthComposeRunner
#if canImport(Glibc)
import Glibc
#endif

/// `berth compose exec SERVICE CMD…`: a command in a running container of
/// the service; exits with the command's status.
struct ComposeExec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Execute a command in a running container.")

    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("detach")], help: "Run the command in the background.")
    var detach = false
    @Flag(name: [.customShort("T"), .customLong("no-TTY")], help: "Disable pseudo-TTY allocation (default: a TTY when stdin is one).")
    var noTTY = false
    @Option(name: [.short, .customLong("user")], help: "Run the command as this user.")
    var user: String?
    @Option(name: [.short, .customLong("workdir")], help: "Working directory for the command.")
    var workdir: String?
    @Option(name: [.short, .customLong("env")], help: "Set environment variables (KEY=VALUE).")
    var env: [String] = []
    @Option(help: "Index of the container if the service has several replicas.")
    var index = 1
    @Flag(help: "Give extended privileges to the process.")
    var privileged = false
    @Argument(help: "The service.")
    var service: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("exec needs a command") }
    }

    func run() throws {
        var options = ComposeRunner.ProcessOptions()
        options.tty = !noTTY && isatty(0) != 0
        options.interactive = true
        options.user = user
        options.workdir = workdir
        options.env = env
        options.privileged = privileged
        let status = try compose.runner().exec(service: service, index: index, command: command, options, detach: detach)
        if status != 0 { throw ExitCode(status) }
    }
}
