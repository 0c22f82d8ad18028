import ArgumentParser

/// The `berth` executable: one binary, several roles (ARCHITECTURE.md).
@main
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
