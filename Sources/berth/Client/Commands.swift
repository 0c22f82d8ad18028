import ArgumentParser

/// The client commands, registered in `Berth`'s subcommands: docker's
/// top-level forms (`berth run`, `berth images` …) and the management groups.
let clientCommands: [any ParsableCommand.Type] = [
    Run.self, Create.self, Start.self, Stop.self, Restart.self, Kill.self, Rm.self, Ps.self, Logs.self, Exec.self,
    Attach.self, Inspect.self, Top.self, Stats.self, Cp.self, Pause.self, Unpause.self, Wait.self, Rename.self,
    Update.self, Commit.self, Diff.self, Export.self, PortCommand.self,
    Images.self, Pull.self, Push.self, Tag.self, Rmi.self, Save.self, Load.self, Import.self, History.self, Build.self,
    Events.self, Info.self, Login.self, Logout.self, ComposeCommand.self,
    ContainerGroup.self, ImageGroup.self, NetworkGroup.self, VolumeGroup.self, SystemGroup.self, Completion.self, StorePull.self,
]

/// `berth container COMMAND`, as `docker container`.
struct ContainerGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container", abstract: "Manage containers.",
        subcommands: [Run.self, Create.self, Start.self, Stop.self, Restart.self, Kill.self, ContainerRemove.self, ContainerList.self,
                      Logs.self, Exec.self, Attach.self, ContainerInspect.self, Top.self, Stats.self, Cp.self, Pause.self,
                      Unpause.self, Wait.self, Rename.self, Update.self, Commit.self, Diff.self, Export.self, PortCommand.self,
                      ContainerPrune.self])
}

/// `berth container ls` = `berth ps`.
struct ContainerList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.", aliases: ["list", "ps"])
    @OptionGroup var command: Ps
    func run() throws { try command.run() }
}

/// `berth container rm` = `berth rm`.
struct ContainerRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers.", aliases: ["remove"])
    @OptionGroup var command: Rm
    func validate() throws { try command.validate() }
    func run() throws { try command.run() }
}

/// `berth container inspect` = `berth inspect --type container`.
struct ContainerInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more containers.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    @Flag(name: .shortAndLong, help: "Display total file sizes.") var size = false
    @Argument(help: "Containers.") var containers: [String]
    func run() throws {
        var command = Inspect()
        command.format = format
        command.type = "container"
        command.size = size
        command.names = containers
        try command.validate()
        try command.run()
    }
}

/// `berth image COMMAND`, as `docker image`.
struct ImageGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [ImageInspectCommand.self, History.self, ImageList.self, Pull.self, Push.self, ImageRemove.self, Tag.self,
                      Save.self, Load.self, Import.self, Build.self, ImagePrune.self])
}

/// `berth image ls` = `berth images`.
struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])
    @OptionGroup var command: Images
    func run() throws { try command.run() }
}

/// `berth image rm` = `berth rmi`.
struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more images.", aliases: ["remove"])
    @OptionGroup var command: Rmi
    func validate() throws { try command.validate() }
    func run() throws { try command.run() }
}

/// `berth image inspect` = `berth inspect --type image`.
struct ImageInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more images.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    @Argument(help: "Images.") var images: [String]
    func run() throws {
        var command = Inspect()
        command.format = format
        command.type = "image"
        command.names = images
        try command.validate()
        try command.run()
    }
}

/// `berth completion bash|zsh|fish`: the shell completion script ArgumentParser generates.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate the autocompletion script for the specified shell.")
    @Argument(help: "bash, zsh or fish.") var shell: String
    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil else { throw ValidationError("unsupported shell \"\(shell)\": use bash, zsh or fish") }
    }
    func run() throws { print(Berth.completionScript(for: CompletionShell(rawValue: shell)!)) }
}
