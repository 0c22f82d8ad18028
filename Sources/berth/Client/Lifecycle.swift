import ArgumentParser
import BerthAPIModel
import BerthClient

/// `berth stop [-t N] [-s SIGNAL] CONTAINER...`.
struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop one or more running containers.")
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing the container.") var timeout: Int?
    @Option(name: .shortAndLong, help: "Signal to send to the container.") var signal: String?
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"stop\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in try forEachName(containers) { try client.containerStop($0, timeout: timeout, signal: signal) } }
    }
}

/// `berth restart [-t N] CONTAINER...`.
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restart one or more containers.")
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing the container.") var timeout: Int?
    @Option(name: .shortAndLong, help: "Signal to send to the container.") var signal: String?
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"restart\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in try forEachName(containers) { try client.containerRestart($0, timeout: timeout, signal: signal) } }
    }
}

/// `berth kill [-s SIGNAL] CONTAINER...`.
struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Kill one or more running containers.")
    @Option(name: .shortAndLong, help: "Signal to send to the container.") var signal: String?
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"kill\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in try forEachName(containers) { try client.containerKill($0, signal: signal) } }
    }
}

/// `berth rm [-f] [-v] CONTAINER...`.
struct Rm: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove one or more containers.")
    @Flag(name: .shortAndLong, help: "Force the removal of a running container (uses SIGKILL).") var force = false
    @Flag(name: .shortAndLong, help: "Remove anonymous volumes associated with the container.") var volumes = false
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"rm\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in try forEachName(containers) { try client.containerRemove($0, force: force, volumes: volumes) } }
    }
}

/// `berth pause CONTAINER...`.
struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pause all processes within one or more containers.")
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"pause\" requires at least 1 argument") } }
    func run() throws { try withClient { client in try forEachName(containers) { try client.containerPause($0) } } }
}

/// `berth unpause CONTAINER...`.
struct Unpause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unpause all processes within one or more containers.")
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"unpause\" requires at least 1 argument") } }
    func run() throws { try withClient { client in try forEachName(containers) { try client.containerUnpause($0) } } }
}

/// `berth wait CONTAINER...`: prints each exit code.
struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Block until one or more containers stop, then print their exit codes.")
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"wait\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in
            try forEachName(containers, printing: false) { print(try client.containerWait($0).statusCode ?? 0) }
        }
    }
}

/// `berth rename CONTAINER NEW_NAME`.
struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rename a container.")
    @Argument(help: "The container.") var container: String
    @Argument(help: "Its new name.") var newName: String
    func run() throws { try withClient { client in try client.containerRename(container, to: newName) } }
}
