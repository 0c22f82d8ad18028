import ArgumentParser
import BerthAPIModel
import BerthCompose
import BerthComposeRunner

/// `berth compose ps`.
struct ComposePs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers.")
    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("all")], help: "Show all stopped containers too.") var all = false
    @Flag(name: [.short, .customLong("quiet")], help: "Only display IDs.") var quiet = false
    @Flag(help: "Display services.") var services = false
    @Argument(help: "Services (default: all).") var names: [String] = []

    func run() throws {
        let runner = try compose.runner()
        let rows = try runner.ps(names, all: all)
        if services { Set(rows.map(\.service)).sorted().forEach { print($0) }; return }
        if quiet {
            for c in try runner.serviceContainers(names) where rows.contains(where: { $0.name == c.name }) { print(c.id) }
            return
        }
        printTable(["NAME", "IMAGE", "COMMAND", "SERVICE", "STATUS", "PORTS"],
                   rows.map { [$0.name, $0.image, $0.command, $0.service, $0.status, $0.ports] })
    }
}

/// `berth compose config`: the resolved model as YAML.
struct ComposeConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Parse, resolve and render the compose file.")
    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("quiet")], help: "Only validate the configuration.") var quiet = false
    @Flag(help: "Print the service names, one per line.") var services = false
    @Flag(help: "Print the volume names, one per line.") var volumes = false
    @Flag(help: "Print the service config hashes.") var hash = false

    func run() throws {
        let project = try compose.project()
        if quiet { return }
        if services { project.serviceNames.forEach { print($0) }; return }
        if volumes { project.volumes.keys.sorted().forEach { print($0) }; return }
        if hash { project.serviceNames.forEach { print("\($0) \(project.services[$0]!.configHash())") }; return }
        print(project.yaml(), terminator: "")
    }
}

/// `berth compose images`.
struct ComposeImages: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List images used by the created containers.")
    var compose: ComposeOptions { .global }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let rows = try compose.runner().images(services)
        printTable(["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"],
                   rows.map { [$0.container, $0.repository, $0.tag, $0.id, humanSize($0.size)] })
    }

    func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))\(units[unit])" : "\(rounded)\(units[unit])"
    }
}

/// `berth compose top`.
struct ComposeTop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Display the running processes.")
    var compose: ComposeOptions { .global }
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        for (i, entry) in try compose.runner().top(services).enumerated() {
            if i > 0 { print("") }
            print(entry.container)
            printTable(entry.top.titles ?? [], entry.top.processes ?? [])
        }
    }
}

/// `berth compose port SERVICE PRIVATE_PORT`.
struct ComposePort: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "Print the public port for a port binding.")
    var compose: ComposeOptions { .global }
    @Option(name: .customLong("protocol"), help: "tcp or udp.") var proto = "tcp"
    @Option(help: "Index of the container if the service has several replicas.") var index = 1
    @Argument(help: "The service.") var service: String
    @Argument(help: "The container's port.") var privatePort: String

    func run() throws {
        print(try compose.runner().port(service: service, privatePort: privatePort, protocol: proto, index: index))
    }
}

/// `berth compose ls`: the projects on the engine, from container labels.
struct ComposeLs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List running compose projects.")
    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("all")], help: "Show all stopped projects too.") var all = false
    @Flag(name: [.short, .customLong("quiet")], help: "Only display project names.") var quiet = false

    func run() throws {
        let projects = try ComposeRunner.projects(compose.client(), all: all)
        if quiet { projects.forEach { print($0.name) }; return }
        printTable(["NAME", "STATUS", "CONFIG FILES"], projects.map { [$0.name, $0.status, $0.configFiles] })
    }
}
