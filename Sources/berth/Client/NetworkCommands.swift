import ArgumentParser
import BerthAPIModel
import BerthClient

/// `berth network COMMAND`, as `docker network`.
struct NetworkGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Manage networks.",
        subcommands: [NetworkCreate.self, NetworkList.self, NetworkInspect.self, NetworkRemove.self,
                      NetworkConnect.self, NetworkDisconnect.self, NetworkPrune.self])
}

struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a network.")
    @Option(name: .shortAndLong, help: "Driver to manage the Network.") var driver = "bridge"
    @Option(name: .long, help: "Subnet in CIDR format that represents a network segment.") var subnet: [String] = []
    @Option(name: .long, help: "IPv4 or IPv6 Gateway for the master subnet.") var gateway: [String] = []
    @Option(name: .customLong("ip-range"), help: "Allocate container ip from a sub-range.") var ipRange: [String] = []
    @Flag(name: .long, help: "Restrict external access to the network.") var `internal` = false
    @Flag(name: .long, help: "Enable manual container attachment.") var attachable = false
    @Flag(name: .long, help: "Enable or disable IPv6 networking.") var ipv6 = false
    @Option(name: .long, help: "Set metadata on a network.") var label: [String] = []
    @Option(name: [.customShort("o"), .customLong("opt")], help: "Set driver specific options.") var opt: [String] = []
    @Argument(help: "The network's name.") var name: String
    func run() throws {
        try withClient { client in
            var request = NetworkCreateRequest()
            request.name = name
            request.driver = driver
            request.`internal` = `internal`
            request.attachable = attachable
            request.enableIPv6 = ipv6 ? true : nil
            request.labels = label.isEmpty ? nil : keyValues(label)
            request.options = opt.isEmpty ? nil : keyValues(opt)
            if !subnet.isEmpty {
                var ipam = IPAM()
                ipam.driver = "default"
                ipam.config = subnet.enumerated().map { index, subnet in
                    var config = IPAMConfig()
                    config.subnet = subnet
                    config.gateway = index < gateway.count ? gateway[index] : nil
                    config.ipRange = index < ipRange.count ? ipRange[index] : nil
                    return config
                }
                request.ipam = ipam
            } else if !gateway.isEmpty || !ipRange.isEmpty {
                throw ValidationError("--gateway and --ip-range need a --subnet")
            }
            let created = try client.networkCreate(request)
            if let warning = created.warning, !warning.isEmpty { printError("WARNING: \(warning)") }
            print(created.id ?? "")
        }
    }
}

struct NetworkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.", aliases: ["list"])
    @Flag(name: .shortAndLong, help: "Only display network IDs.") var quiet = false
    @Flag(name: .long, help: "Do not truncate the output.") var noTrunc = false
    @Option(name: [.customShort("f"), .long], help: "Provide filter values (e.g. 'driver=bridge').") var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template subset.") var format: String?
    func run() throws {
        try withClient { client in
            let networks = try client.networkList(filters: try filterMap(filter)).sorted { ($0.name ?? "") < ($1.name ?? "") }
            let id = { (n: Network) in noTrunc ? n.id ?? "" : shortID(n.id) }
            if quiet && format == nil { networks.forEach { print(id($0)) }; return }
            let rows: [JSONValue] = networks.map { n in
                .object(["ID": .string(id(n)), "Name": .string(n.name ?? ""), "Driver": .string(n.driver ?? ""),
                         "Scope": .string(n.scope ?? "local"), "IPv6": .string(n.enableIPv6 == true ? "true" : "false"),
                         "Internal": .string(n.`internal` == true ? "true" : "false"),
                         "Labels": .string((n.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))])
            }
            try Template(format ?? "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}")
                .print(rows, headers: ["ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE"])
        }
    }
}

struct NetworkInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more networks.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    @Argument(help: "Networks.") var networks: [String]
    func run() throws {
        try withClient { client in
            try printInspected(networks, format: format) { try client.get(JSONValue.self, "/networks/" + Query.pathSegment($0)) }
        }
    }
}

struct NetworkRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more networks.", aliases: ["remove"])
    @Argument(help: "Networks.") var networks: [String]
    func validate() throws { if networks.isEmpty { throw ValidationError("\"network rm\" requires at least 1 argument") } }
    func run() throws { try withClient { client in try forEachName(networks) { try client.networkRemove($0) } } }
}

struct NetworkConnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect", abstract: "Connect a container to a network.")
    @Option(name: .long, help: "Add network-scoped alias for the container.") var alias: [String] = []
    @Option(name: .long, help: "IPv4 address (e.g., 172.30.100.104).") var ip: String?
    @Argument(help: "The network.") var network: String
    @Argument(help: "The container.") var container: String
    func run() throws {
        try withClient { client in
            var endpoint = EndpointSettings()
            endpoint.aliases = alias.isEmpty ? nil : alias
            if let ip { endpoint.ipamConfig = EndpointIPAMConfig(iPv4Address: ip) }
            try client.networkConnect(network, NetworkConnectRequest(container: container, endpointConfig: endpoint))
        }
    }
}

struct NetworkDisconnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disconnect", abstract: "Disconnect a container from a network.")
    @Flag(name: .shortAndLong, help: "Force the container to disconnect from a network.") var force = false
    @Argument(help: "The network.") var network: String
    @Argument(help: "The container.") var container: String
    func run() throws { try withClient { client in try client.networkDisconnect(network, container: container, force: force) } }
}

struct NetworkPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all unused networks.")
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation.") var force = false
    @Option(name: .long, help: "Provide filter values.") var filter: [String] = []
    func run() throws {
        guard force || confirm("WARNING! This will remove all custom networks not used by at least one container.") else { return }
        try withClient { client in
            printDeleted("Deleted Networks", try client.networksPrune(filters: try filterMap(filter)).networksDeleted ?? [])
        }
    }
}

/// `berth volume COMMAND`, as `docker volume`.
struct VolumeGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume", abstract: "Manage volumes.",
        subcommands: [VolumeCreate.self, VolumeList.self, VolumeInspect.self, VolumeRemove.self, VolumePrune.self])
}

struct VolumeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a volume.")
    @Option(name: .shortAndLong, help: "Specify volume driver name.") var driver = "local"
    @Option(name: [.customShort("o"), .customLong("opt")], help: "Set driver specific options.") var opt: [String] = []
    @Option(name: .long, help: "Set metadata for a volume.") var label: [String] = []
    @Argument(help: "The volume's name (random when omitted).") var name: String?
    func run() throws {
        try withClient { client in
            let volume = try client.volumeCreate(VolumeCreateOptions(name: name, driver: driver, driverOpts: opt.isEmpty ? nil : keyValues(opt),
                                                                     labels: label.isEmpty ? nil : keyValues(label)))
            print(volume.name ?? "")
        }
    }
}

struct VolumeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes.", aliases: ["list"])
    @Flag(name: .shortAndLong, help: "Only display volume names.") var quiet = false
    @Option(name: [.customShort("f"), .long], help: "Provide filter values (e.g. 'dangling=true').") var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template subset.") var format: String?
    func run() throws {
        try withClient { client in
            let answer = try client.volumeList(filters: try filterMap(filter))
            for warning in answer.warnings ?? [] { printError("WARNING: \(warning)") }
            let volumes = (answer.volumes ?? []).sorted { ($0.name ?? "") < ($1.name ?? "") }
            if quiet && format == nil { volumes.forEach { print($0.name ?? "") }; return }
            let rows: [JSONValue] = volumes.map { v in
                .object(["Name": .string(v.name ?? ""), "Driver": .string(v.driver ?? ""), "Scope": .string(v.scope ?? "local"),
                         "Mountpoint": .string(v.mountpoint ?? ""),
                         "Labels": .string((v.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))])
            }
            try Template(format ?? "table {{.Driver}}\t{{.Name}}").print(rows, headers: ["Name": "VOLUME NAME"])
        }
    }
}

struct VolumeInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more volumes.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    @Argument(help: "Volumes.") var volumes: [String]
    func run() throws {
        try withClient { client in
            try printInspected(volumes, format: format) { try client.get(JSONValue.self, "/volumes/" + Query.pathSegment($0)) }
        }
    }
}

struct VolumeRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more volumes.", aliases: ["remove"])
    @Flag(name: .shortAndLong, help: "Force the removal of one or more volumes.") var force = false
    @Argument(help: "Volumes.") var volumes: [String]
    func validate() throws { if volumes.isEmpty { throw ValidationError("\"volume rm\" requires at least 1 argument") } }
    func run() throws { try withClient { client in try forEachName(volumes) { try client.volumeRemove($0, force: force) } } }
}

struct VolumePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused local volumes.")
    @Flag(name: .shortAndLong, help: "Remove all unused volumes, not just anonymous ones.") var all = false
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation.") var force = false
    @Option(name: .long, help: "Provide filter values.") var filter: [String] = []
    func run() throws {
        guard force || confirm("WARNING! This will remove \(all ? "all" : "anonymous") local volumes not used by at least one container.") else { return }
        try withClient { client in
            let pruned = try client.volumesPrune(all: all, filters: try filterMap(filter))
            printDeleted("Deleted Volumes", pruned.volumesDeleted ?? [])
            print("Total reclaimed space: \(humanSize(pruned.spaceReclaimed ?? 0))")
        }
    }
}
