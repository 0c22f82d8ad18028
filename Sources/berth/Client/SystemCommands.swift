import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthSystem

/// `berth version [--format F]`: the client's and the daemon's versions, as docker prints them.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the berth version information.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?

    func run() throws {
        let clientInfo: JSONValue = .object(["Version": .string(Berth.version), "ApiVersion": .string(EngineClient.maximumVersion.description),
                                             "Os": .string("linux"), "Arch": .string(hostArchitecture())])
        var server: JSONValue?
        var failure: (any Error)?
        do { server = try connectClient().get(JSONValue.self, "/version") } catch { failure = error }
        if let format {
            print(try Template(format).render(.object(["Client": clientInfo, "Server": server ?? .null])))
        } else {
            print("Client:\n Version:           \(Berth.version)\n API version:       \(EngineClient.maximumVersion)\n OS/Arch:           linux/\(hostArchitecture())")
            if case .object(let s)? = server {
                func field(_ key: String) -> String { s[key].map(Template.text) ?? "" }
                print("\nServer:\n Engine:\n  Version:          \(field("Version"))\n  API version:      \(field("ApiVersion")) (minimum version \(field("MinAPIVersion")))")
                print("  OS/Arch:          \(field("Os"))/\(field("Arch"))\n  Kernel version:   \(field("KernelVersion"))")
            }
        }
        if let failure {
            printError(failure is APIError ? "Error response from daemon: \(failure)" : "\(failure)")
            throw ExitCode(1)
        }
    }
}

func hostArchitecture() -> String {
    #if arch(x86_64)
    return "amd64"
    #elseif arch(arm64)
    return "arm64"
    #else
    return "arm"
    #endif
}

/// `berth info [--format F]`.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Display system-wide information.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    func run() throws {
        try withClient { client in
            let info = try client.get(JSONValue.self, "/info")
            if let format { print(try Template(format).render(info)); return }
            guard case .object(let s) = info else { return }
            func field(_ key: String) -> String { s[key].map(Template.text) ?? "" }
            print("Server:")
            print(" Containers: \(field("Containers"))\n  Running: \(field("ContainersRunning"))\n  Paused: \(field("ContainersPaused"))\n  Stopped: \(field("ContainersStopped"))")
            print(" Images: \(field("Images"))\n Server Version: \(field("ServerVersion"))\n Storage Driver: \(field("Driver"))")
            print(" Cgroup Driver: \(field("CgroupDriver"))\n Cgroup Version: \(field("CgroupVersion"))")
            print(" Default Runtime: \(field("DefaultRuntime"))\n Kernel Version: \(field("KernelVersion"))\n Operating System: \(field("OperatingSystem"))")
            print(" Architecture: \(field("Architecture"))\n CPUs: \(field("NCPU"))\n Total Memory: \(binarySize(Int64(field("MemTotal")) ?? 0))")
            print(" Name: \(field("Name"))\n ID: \(field("ID"))\n Docker Root Dir: \(field("DockerRootDir"))\n Live Restore Enabled: \(field("LiveRestoreEnabled"))")
        }
    }
}

/// `berth events [--since T] [--until T] [--filter K=V] [--format F]`.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Get real time events from the server.")
    @Option(name: .long, help: "Show all events created since timestamp.") var since: String?
    @Option(name: .long, help: "Stream events until this timestamp.") var until: String?
    @Option(name: [.customShort("f"), .long], help: "Filter output based on conditions provided.") var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template subset.") var format: String?
    func run() throws {
        try withClient { client in
            let template = try format.map(Template.init)
            let response = try client.events(since: try since.map(timestampArgument), until: try until.map(timestampArgument),
                                             filters: try filterMap(filter))
            if let template {
                try response.forEachJSON(JSONValue.self) { event in
                    print(try template.render(event))
                    return true
                }
                return
            }
            // docker's default line: time type action id (attributes).
            try response.forEachJSON(EventMessage.self) { event in
                let attributes = (event.actor?.attributes ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                let nanos = event.timeNano ?? (event.time ?? 0) * 1_000_000_000
                print("\(rfc3339Nano(nanos)) \(event.type ?? "") \(event.action ?? "") \(event.actor?.id ?? "")"
                      + (attributes.isEmpty ? "" : " (\(attributes.joined(separator: ", ")))"))
                return true
            }
        }
    }
}

/// Nanoseconds since the epoch as RFC 3339 with nanoseconds, UTC.
func rfc3339Nano(_ nanos: Int64) -> String {
    let seconds = nanos / 1_000_000_000, fraction = String(nanos % 1_000_000_000)
    let date = unixDateText(seconds)  // "YYYY-MM-DD hh:mm:ss +0000 UTC"
    return date.prefix(10) + "T" + date.dropFirst(11).prefix(8) + "." + String(repeating: "0", count: 9 - fraction.count) + fraction + "Z"
}

/// `berth system COMMAND`.
struct SystemGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "system", abstract: "Manage berth.",
                                                    subcommands: [SystemDF.self, SystemPrune.self, Info.self, Events.self])
}

/// `berth system df`.
struct SystemDF: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show docker disk usage.")
    func run() throws {
        try withClient { client in
            let usage = try client.systemDataUsage()
            let images = usage.images ?? [], containers = usage.containers ?? [], volumes = usage.volumes ?? []
            let imageSize = images.reduce(Int64(0)) { $0 + ($1.size ?? 0) }
            let activeImages = images.filter { ($0.containers ?? 0) > 0 }
            let reclaimImages = imageSize - activeImages.reduce(Int64(0)) { $0 + ($1.size ?? 0) }
            let containerSize = containers.reduce(Int64(0)) { $0 + ($1.sizeRw ?? 0) }
            let running = containers.filter { $0.state == "running" }
            let volumeSize = volumes.reduce(Int64(0)) { $0 + max(0, $1.usageData?.size ?? 0) }
            let activeVolumes = volumes.filter { ($0.usageData?.refCount ?? 0) > 0 }
            let cache = usage.buildCache ?? []
            printTable([
                ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
                ["Images", String(images.count), String(activeImages.count), humanSize(imageSize), humanSize(reclaimImages)],
                ["Containers", String(containers.count), String(running.count), humanSize(containerSize),
                 humanSize(containerSize - running.reduce(Int64(0)) { $0 + ($1.sizeRw ?? 0) })],
                ["Local Volumes", String(volumes.count), String(activeVolumes.count), humanSize(volumeSize),
                 humanSize(volumeSize - activeVolumes.reduce(Int64(0)) { $0 + max(0, $1.usageData?.size ?? 0) })],
                ["Build Cache", String(cache.count), "0", humanSize(cache.reduce(Int64(0)) { $0 + Int64($1.size ?? 0) }), "0B"],
            ])
        }
    }
}

/// `berth system prune [-a] [--volumes] [-f]`.
struct SystemPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused data.")
    @Flag(name: .shortAndLong, help: "Remove all unused images not just dangling ones.") var all = false
    @Flag(name: .long, help: "Prune anonymous volumes.") var volumes = false
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation.") var force = false
    @Option(name: .long, help: "Provide filter values (e.g. 'label=<key>=<value>').") var filter: [String] = []
    func run() throws {
        var what = ["all stopped containers", "all networks not used by at least one container"]
        if volumes { what.append("all anonymous volumes not used by at least one container") }
        what.append(all ? "all images without at least one container associated to them" : "all dangling images")
        guard force || confirm("WARNING! This will remove:\n" + what.map { "  - " + $0 }.joined(separator: "\n")) else { return }
        try withClient { client in
            let filters = try filterMap(filter)
            var reclaimed: Int64 = 0
            let containers = try client.containersPrune(filters: filters)
            printDeleted("Deleted Containers", containers.containersDeleted ?? [])
            reclaimed += containers.spaceReclaimed ?? 0
            printDeleted("Deleted Networks", try client.networksPrune(filters: filters).networksDeleted ?? [])
            if volumes {
                let pruned = try client.volumesPrune(filters: filters)
                printDeleted("Deleted Volumes", pruned.volumesDeleted ?? [])
                reclaimed += pruned.spaceReclaimed ?? 0
            }
            var imageFilters = filters
            imageFilters["dangling"] = [all ? "false" : "true"]
            let images = try client.imagesPrune(filters: imageFilters)
            printImagesDeleted(images)
            reclaimed += images.spaceReclaimed ?? 0
            print("Total reclaimed space: \(humanSize(reclaimed))")
        }
    }
}

/// docker's "Are you sure you want to continue? [y/N]" on stdin.
func confirm(_ warning: String) -> Bool {
    print(warning + "\nAre you sure you want to continue? [y/N] ", terminator: "")
    let answer = readLine()?.lowercased() ?? ""
    return answer == "y" || answer == "yes"
}

func printDeleted(_ title: String, _ ids: [String]) {
    guard !ids.isEmpty else { return }
    print(title + ":")
    ids.forEach { print($0) }
    print("")
}

func printImagesDeleted(_ response: ImagePruneResponse) {
    let items = response.imagesDeleted ?? []
    guard !items.isEmpty else { return }
    print("Deleted Images:")
    for item in items {
        if let untagged = item.untagged { print("untagged: \(untagged)") }
        if let deleted = item.deleted { print("deleted: \(deleted)") }
    }
    print("")
}

/// `berth container prune [-f] [--filter]`.
struct ContainerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all stopped containers.")
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation.") var force = false
    @Option(name: .long, help: "Provide filter values (e.g. 'until=<timestamp>').") var filter: [String] = []
    func run() throws {
        guard force || confirm("WARNING! This will remove all stopped containers.") else { return }
        try withClient { client in
            let pruned = try client.containersPrune(filters: try filterMap(filter))
            printDeleted("Deleted Containers", pruned.containersDeleted ?? [])
            print("Total reclaimed space: \(humanSize(pruned.spaceReclaimed ?? 0))")
        }
    }
}

/// `berth image prune [-a] [-f] [--filter]`.
struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused images.")
    @Flag(name: .shortAndLong, help: "Remove all unused images, not just dangling ones.") var all = false
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation.") var force = false
    @Option(name: .long, help: "Provide filter values (e.g. 'until=<timestamp>').") var filter: [String] = []
    func run() throws {
        let warning = all ? "WARNING! This will remove all images without at least one container associated to them."
                          : "WARNING! This will remove all dangling images."
        guard force || confirm(warning) else { return }
        try withClient { client in
            var filters = try filterMap(filter)
            filters["dangling"] = [all ? "false" : "true"]
            let pruned = try client.imagesPrune(filters: filters)
            printImagesDeleted(pruned)
            print("Total reclaimed space: \(humanSize(pruned.spaceReclaimed ?? 0))")
        }
    }
}
