import BerthSystem

/// The address book of one network, as a Codable value the engine stores
/// (in SQLite) with the network: subnet, gateway, the dynamic range, and
/// which endpoint holds which address. BerthNetwork keeps no files.
///
/// Allocation is serial from a cursor, wrapping at the end of the range,
/// as libnetwork's bitseq allocator does: a released address is not handed
/// out again at once, so a peer's stale ARP entry for it ages out first.
public struct IPAMState: Codable, Sendable, Equatable {
    public var subnet: IPv4Subnet
    public var gateway: IPv4Address
    /// Dynamic addresses come from here (docker's `--ip-range`); `--ip`
    /// may ask for any address of the subnet.
    public var ipRange: IPv4Subnet?
    /// Endpoint (container) id → its address.
    public var allocations: [String: IPv4Address]
    /// The last address handed out dynamically.
    public var cursor: IPv4Address?

    /// Validates a network's addressing as `docker network create` does.
    public init(subnet: IPv4Subnet, gateway: IPv4Address? = nil, ipRange: IPv4Subnet? = nil) throws {
        let network = subnet.masked
        guard network.prefixLength <= 30 else {
            throw BerthError.invalidArgument("subnet \(subnet) is too small: a bridge network needs at least a /30")
        }
        let gateway = gateway ?? IPv4Address(network.network.value + 1)
        guard network.contains(gateway), gateway != network.network, gateway != network.broadcast else {
            throw BerthError.invalidArgument("no matching subnet for gateway \(gateway)")
        }
        if let ipRange {
            guard network.contains(ipRange.network), ipRange.prefixLength >= network.prefixLength else {
                throw BerthError.invalidArgument("no matching subnet for range \(ipRange)")
            }
        }
        self.subnet = network
        self.gateway = gateway
        self.ipRange = ipRange?.masked
        self.allocations = [:]
        self.cursor = nil
    }

    /// Gives `owner` an address: `requested` (docker's `--ip`) when free, else
    /// the next free one of the range. An owner that already has one keeps it.
    public mutating func allocate(owner: String, requested: IPv4Address? = nil) throws -> IPv4Address {
        if let existing = allocations[owner], requested == nil || requested == existing { return existing }
        if let requested {
            guard subnet.contains(requested) else {
                throw BerthError.invalidArgument("no configured subnet or ip-range contain the IP address \(requested)")
            }
            guard !isReserved(requested), !allocations.values.contains(requested) else {
                throw BerthError.conflict("Address already in use: \(requested)")
            }
            allocations[owner] = requested
            return requested
        }
        let range = ipRange ?? subnet
        let first = range.network.value, last = range.broadcast.value
        let taken = Set(allocations.values)
        var candidate = cursor.map { $0.value &+ 1 } ?? first
        for _ in 0..<range.size {
            if candidate > last || candidate < first { candidate = first }
            let address = IPv4Address(candidate)
            if !isReserved(address), !taken.contains(address) {
                allocations[owner] = address
                cursor = address
                return address
            }
            candidate &+= 1
        }
        throw BerthError(.resourceExhausted, "no available IPv4 addresses on this network's address pools: \(range)")
    }

    /// Frees `owner`'s address; unknown owners are ignored (release is idempotent
    /// so cleanup after a crash can repeat it).
    public mutating func release(owner: String) {
        allocations[owner] = nil
    }

    /// Network, broadcast and gateway addresses are never handed out.
    func isReserved(_ address: IPv4Address) -> Bool {
        address == subnet.network || address == subnet.broadcast || address == gateway
    }
}

/// Picks subnets for networks the user gave none for, from docker's default
/// address pools (172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 in
/// /20s), skipping any that overlap a route of the host or another network.
public enum SubnetPool {
    /// Docker's `default-address-pools` when none are configured.
    public static let dockerDefaults: [IPv4Subnet] = {
        var pools: [IPv4Subnet] = (17...31).map { IPv4Subnet(IPv4Address(172, UInt8($0), 0, 0), prefixLength: 16) }
        pools += (0..<16).map { IPv4Subnet(IPv4Address(192, 168, UInt8($0 * 16), 0), prefixLength: 20) }
        return pools
    }()

    /// The first candidate overlapping none of `inUse` (other networks'
    /// subnets) nor a host route (the default route aside).
    public static func pick(candidates: [IPv4Subnet] = dockerDefaults, inUse: [IPv4Subnet],
                            hostRoutes: [RouteInfo]) throws -> IPv4Subnet {
        let routed = hostRoutes.map(\.destination).filter { $0.prefixLength > 0 }
        for candidate in candidates {
            if inUse.contains(where: { $0.overlaps(candidate) }) { continue }
            if routed.contains(where: { $0.overlaps(candidate) }) { continue }
            return candidate
        }
        throw BerthError(.resourceExhausted,
                         "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
    }
}
