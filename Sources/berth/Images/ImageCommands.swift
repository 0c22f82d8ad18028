import ArgumentParser

/// The image commands, registered in `Berth`'s subcommands: docker's
/// top-level forms (`berth pull`, `berth images` …) and `berth image …`.
let imageCommands: [any ParsableCommand.Type] = [
    Pull.self, Push.self, Images.self, Rmi.self, Tag.self, Save.self, Load.self, Import.self, History.self, ImageGroup.self,
]

/// `berth image COMMAND`, as `docker image`.
struct ImageGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [ImageInspectCommand.self, History.self, ImageList.self, Pull.self, Push.self, ImageRemove.self, Tag.self,
                      Save.self, Load.self, Import.self])
}

/// `berth image ls` = `berth images` (the alias lives only under `image`,
/// where `ls` cannot clash with other top-level commands).
struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])
    @OptionGroup var command: Images
    func run() throws { try command.run() }
}

/// `berth image rm` = `berth rmi` (top-level `rm` removes containers).
struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more images.", aliases: ["remove"])
    @OptionGroup var command: Rmi
    func validate() throws { try command.validate() }
    func run() throws { try command.run() }
}
