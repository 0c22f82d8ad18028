import BerthNetwork
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One network as the engine keeps it: the bridge BerthNetwork plumbs, its
/// address allocations, and what docker reports about it.
struct NetworkRecord: Codable, Sendable {
    var bridge: BridgeNetwork
    var ipam: IPAMState
    var created: String
    var labels: [String: String]
    var options: [String: String]
    /// The IPAM config as the user gave it (empty: picked from the pools).
    var ipamConfig: [IPAMConfig]
    /// The default `bridge` network: no embedded DNS, no aliases.
    var isDefault: Bool

    var id: String { bridge.id }
    var name: String { bridge.name }
}

/// What a container asked for at create and what it has while running.
struct ContainerNetworking: Codable, Sendable {
    struct Request: Codable, Sendable {
        var aliases: [String]
        var ipv4Address: String?
        var macAddress: String?
    }
    /// The container's name (for DNS and network inspect).
    var name: String
    /// HostConfig.NetworkMode: bridge, none, host, container:<id>, or a network.
    var mode: String
    /// Network ID → the endpoint settings asked for; in connection order.
    var requests: [String: Request]
    var order: [String]
    var portMappings: [PortMapping]
    /// While running: network ID → the veth endpoint.
    var endpoints: [String: Endpoint] = [:]
    var published: [PublishedPort] = []
    var namespacePath: String?
    var dnsUpstreams: [String] = []
}

/// Everything the network service persists, in one file written durably
/// after every change (`<data-root>/network/state.json`).
struct NetworkState: Codable, Sendable {
    var networks: [String: NetworkRecord] = [:]
    var containers: [String: ContainerNetworking] = [:]

    static func load(_ path: String) throws -> NetworkState {
        guard let data = FileManager.default.contents(atPath: path) else { return NetworkState() }
        return try JSONDecoder().decode(NetworkState.self, from: data)
    }

    /// `durable: false` for what a container's start and stop change (its
    /// endpoints and ports): a power cut ends those containers anyway, and
    /// the next start reconciles from the file it finds.
    func save(_ path: String, durable: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try DurableFile.write(path, Array(encoder.encode(self)), mode: 0o600, durable: durable)
    }

    /// moby's network lookup: full ID, then name, then a unique ID prefix.
    func lookup(_ term: String) throws -> NetworkRecord {
        if let record = networks[term] { return record }
        if let record = networks.values.first(where: { $0.name == term }) { return record }
        let matches = networks.values.filter { $0.id.hasPrefix(term) }
        if !term.isEmpty, matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw BerthError.invalidArgument("network \(term) is ambiguous (\(matches.count) matches found based on ID prefix)") }
        throw BerthError.notFound("network \(term) not found")
    }
}
