import ArgumentParser
import BerthComposeRunner
import BerthCompose
#if canImport(Glibc)
import Glibc
#endif

/// `berth compose run SERVICE [CMD…]`: a one-off container of the service.
struct ComposeRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a one-off command on a service.")

    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("detach")], help: "Run the container in the background and print its name.")
    var detach = false
    @Flag(help: "Remove the container when it exits.")
    var rm = false
    @Option(help: "Name of the container.")
    var name: String?
    @Option(help: "Override the image's entrypoint.")
    var entrypoint: String?
    @Option(name: [.short, .customLong("env")], help: "Set environment variables (KEY=VALUE).")
    var env: [String] = []
    @Option(name: [.short, .customLong("user")], help: "Run as this user.")
    var user: String?
    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.")
    var workdir: String?
    @Option(name: [.short, .customLong("publish")], help: "Publish a container's port to the host.")
    var publish: [String] = []
    @Flag(name: .customLong("service-ports"), help: "Run with the service's ports published.")
    var servicePorts = false
    @Flag(name: .customLong("no-deps"), help: "Don't start linked services.")
    var noDeps = false
    @Flag(name: [.customShort("T"), .customLong("no-TTY")], help: "Disable pseudo-TTY allocation (default: a TTY when stdin is one).")
    var noTTY = false
    @Argument(help: "The service.")
    var service: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the service's).")
    var command: [String] = []

    func run() throws {
        var options = ComposeRunner.ProcessOptions()
        options.tty = !noTTY && isatty(0) != 0
        options.interactive = isatty(0) != 0 || !noTTY
        options.user = user
        options.workdir = workdir
        options.env = env
        let status = try compose.runner(services: [service]).run(
            service: service, command: command.isEmpty ? nil : command,
            entrypoint: try entrypoint.map { try ShellWords.split($0) }, name: name, noDeps: noDeps,
            servicePorts: servicePorts, remove: rm, detach: detach, publish: publish, options)
        if status != 0 { throw ExitCode(status) }
    }
}
