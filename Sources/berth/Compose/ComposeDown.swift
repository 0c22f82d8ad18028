import ArgumentParser
import BerthCompose
import BerthComposeRunner

/// `berth compose down`: stop and remove the project's containers and
/// networks (volumes with -v, images with --rmi).
struct ComposeDown: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop and remove containers, networks.")

    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("volumes")], help: "Remove named volumes declared in the volumes section and anonymous volumes.")
    var volumes = false
    @Option(help: "Remove images used by services: \"local\" (no custom tag) or \"all\".")
    var rmi: String?
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers for services not defined in the Compose file.")
    var removeOrphans = false

    func validate() throws {
        if let rmi, rmi != "local", rmi != "all" { throw ValidationError("invalid --rmi \"\(rmi)\" (local or all)") }
    }

    func run() throws {
        try compose.runner().down(DownOptions(removeVolumes: volumes, removeOrphans: removeOrphans), removeImages: rmi)
    }
}
