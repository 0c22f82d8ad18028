import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The `berth` executable: one binary, several roles (ARCHITECTURE.md).
struct Berth: ParsableCommand {
    static let version = "0.1.0"


    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A Docker-compatible container engine for servers and devices at the edge.",
        version: version,
        subcommands: [
            Version.self,
            Daemon.self,
            RuntimeCommand.self,
        ] + imageCommands
    )
}

/// `berth version`: the client's version.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the berth version.")

    func run() throws {
        print("berth \(Berth.version)")
    }
}

/// The entry point. `berth runtime …` runs once per container operation (the
/// monitor runs it for every create, start and exec), so it skips building
/// berth's whole command tree: ArgumentParser's reflection over every
/// subcommand costs more than the runtime's own work.
@main
enum BerthMain {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard args.first == "runtime" else { return Berth.main() }
        do {
            var command = RuntimeCommand()
            command.arguments = Array(args.dropFirst())
            try command.run()
            exit(0)
        } catch {
            RuntimeCommand.exit(withError: error)
        }
    }
}
