import Synchronization

/// The embedded resolver's table: per network, which names (container
/// name, aliases, compose service names, short id) point at which
/// addresses. The engine registers a container's names when it connects to
/// a network and unregisters them when it disconnects or stops, as
/// libnetwork's Sandbox does with its service records.
public final class DNSRecords: Sendable {
    private struct Entry: Sendable {
        var containerID: String
        var names: [String]
        var address: IPv4Address
    }

    private let table: Mutex<[String: [Entry]]> = Mutex([:])

    public init() {}

    /// Registers `names` for `address` on `network` (the network's name:
    /// reverse lookups answer "<name>.<network>." as docker does).
    public func register(network: String, containerID: String, names: [String], address: IPv4Address) {
        let entry = Entry(containerID: containerID, names: names.map(DNSRecords.normalize).filter { !$0.isEmpty },
                          address: address)
        table.withLock { table in
            table[network, default: []].removeAll { $0.containerID == containerID }
            table[network, default: []].append(entry)
        }
    }

    public func unregister(network: String, containerID: String) {
        table.withLock { $0[network]?.removeAll { $0.containerID == containerID } }
    }

    /// Drops a container from every network (it stopped).
    public func unregister(containerID: String) {
        table.withLock { table in
            for key in table.keys { table[key]?.removeAll { $0.containerID == containerID } }
        }
    }

    /// Addresses for `name` on any of `networks`, in registration order.
    /// Several containers may share an alias: all their addresses answer,
    /// which is docker's DNS round robin.
    public func lookup(_ name: String, networks: Set<String>) -> [IPv4Address] {
        let wanted = DNSRecords.normalize(name)
        return table.withLock { table in
            networks.sorted().flatMap { network in
                (table[network] ?? []).filter { $0.names.contains(wanted) }.map(\.address)
            }
        }
    }

    /// The name for `address` on one of `networks` ("web.mynet").
    public func reverse(_ address: IPv4Address, networks: Set<String>) -> String? {
        table.withLock { table in
            for network in networks.sorted() {
                if let entry = table[network]?.first(where: { $0.address == address }), let name = entry.names.first {
                    return "\(name).\(network)"
                }
            }
            return nil
        }
    }

    /// Names compare case-insensitively and without the root dot.
    static func normalize(_ name: String) -> String {
        var lowered = name.lowercased()
        while lowered.hasSuffix(".") { lowered.removeLast() }
        return lowered
    }
}
