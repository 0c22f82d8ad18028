import BerthSystem

/// What the kernel side of a bridge network needs: its bridge device, its
/// subnet and gateway, and whether it is internal (no way out). The engine
/// stores it with the network (beside the network's `IPAMState`).
public struct BridgeNetwork: Codable, Sendable, Equatable {
    /// Docker's network id (64 hex).
    public var id: String
    /// The user's name for it ("bridge" for the default network).
    public var name: String
    /// "berth0" for the default bridge, "br-<first 12 hex of id>" otherwise.
    public var bridgeName: String
    public var subnet: IPv4Subnet
    public var gateway: IPv4Address
    /// `--internal`: no outbound NAT, no default route, no traffic to or
    /// from other interfaces.
    public var isInternal: Bool
    public var mtu: UInt32?

    public init(id: String, name: String, bridgeName: String? = nil, subnet: IPv4Subnet, gateway: IPv4Address,
                isInternal: Bool = false, mtu: UInt32? = nil) {
        self.id = id
        self.name = name
        self.bridgeName = bridgeName ?? BridgeNetwork.bridgeName(forNetworkID: id)
        self.subnet = subnet.masked
        self.gateway = gateway
        self.isInternal = isInternal
        self.mtu = mtu
    }

    /// Docker names a user-defined network's bridge "br-" + 12 hex of its id.
    public static func bridgeName(forNetworkID id: String) -> String { "br-" + id.prefix(12) }

    /// The gateway as the bridge carries it ("172.18.0.1/16").
    public var gatewayAddress: IPv4Subnet { IPv4Subnet(gateway, prefixLength: subnet.prefixLength) }
}

/// A container's attachment to a bridge network: the veth pair and the
/// address. Returned by `BridgeDriver.attach`; the engine stores it to report
/// NetworkSettings and to detach later (also after a daemon restart).
public struct Endpoint: Codable, Sendable, Equatable {
    public var networkID: String
    public var containerID: String
    /// The host end of the veth pair ("veth" + 7 hex, as docker names them).
    public var hostInterface: String
    /// The container end ("eth0", "eth1" …).
    public var interfaceName: String
    public var address: IPv4Address
    public var prefixLength: Int
    /// nil on internal networks (no default route).
    public var gateway: IPv4Address?
    public var macAddress: String
    public var bridgeName: String

    public var cidr: String { "\(address)/\(prefixLength)" }
}

/// MAC addresses as docker (before 26.0) makes them: 02:42 and the IPv4
/// address, so a container's MAC is stable for its address and never
/// collides with another container's on the same bridge.
public enum MACAddress {
    public static func forIPv4(_ address: IPv4Address) -> [UInt8] { [0x02, 0x42] + address.bytes }

    public static func string(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    public static func parse(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        return bytes.count == 6 ? bytes : nil
    }
}
