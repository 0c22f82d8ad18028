import ArgumentParser
import BerthEngine
#if canImport(Glibc)
import Glibc
#endif

/// The `berth` executable: one binary, several roles (ARCHITECTURE.md).
struct Berth: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A Docker-compatible container engine for servers and devices at the edge.",
        discussion: "Global options, before the command: -H/--host (or BERTH_HOST, DOCKER_HOST; default unix:///run/berth/berth.sock), --config DIR.",
        version: version,
        subcommands: [
            Version.self,
            Daemon.self,
            RuntimeEntry.self,
        ] + clientCommands
    )
}

/// `runtime` in berth's help. `BerthMain` runs `berth runtime …` itself
/// (`RuntimeCommand.main`, its own table-driven parser) before
/// ArgumentParser sees the command line; ArgumentParser reaches this only
/// when berth's global flags come first (`berth -D runtime …`).
struct RuntimeEntry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: RuntimeCommand.abstract,
        discussion: "See 'berth runtime --help' for its options and commands.")

    @Argument(parsing: .captureForPassthrough, help: "[global options] COMMAND [options] ARGS")
    var arguments: [String] = []

    func run() throws { RuntimeCommand.main(arguments) }
}

/// The entry point. `berth runtime …` runs once per container operation (the
/// monitor runs it for every create, start and exec), so it never builds
/// ArgumentParser's tree: reflection over every command's property
/// wrappers costs more than the runtime's own work.
@main
enum BerthMain {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "runtime" { RuntimeCommand.main(Array(args.dropFirst())) }
        // The monitor (berth-monitor, carried inside this binary) by hand.
        if args.first == "__monitor" || args.first == "__monitor-zygote" { MonitorImage.exec(args) }
        // docker's global flags come before the command word.
        let rest = ComposeOptions.extract(GlobalFlags.extract(args))
        var command: any ParsableCommand
        do {
            command = try Berth.parseAsRoot(rest)
        } catch {
            // Help and --version exit 0; a usage error is docker's 125 ("See 'berth run --help'.").
            if Berth.exitCode(for: error) == .success { Berth.exit(withError: error) }
            writeAll(STDERR_FILENO, Array((Berth.fullMessage(for: error) + "\n").utf8))
            exit(125)
        }
        do {
            try command.run()
            exit(0)
        } catch let error as ValidationError {
            // A bad value found while running (a filter, a duration): docker's 125.
            writeAll(STDERR_FILENO, Array("Error: \(error.message)\n".utf8))
            exit(125)
        } catch {
            Berth.exit(withError: error)
        }
    }
}
