import BerthSystem

/// An IPv4 address held as a host-order UInt32, parsed strictly from dotted
/// quad (no octal, no short forms: "010.1.1.1" is refused, as Go's
/// netip.ParseAddr refuses it, so berth and docker accept the same strings).
public struct IPv4Address: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses "a.b.c.d"; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let n = UInt32(part), n <= 255 else { return nil }
            v = v << 8 | n
        }
        value = v
    }

    /// Network byte order bytes, as netlink and sockaddr_in carry them.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    public init(bytes: some Collection<UInt8>) {
        var v: UInt32 = 0
        for b in bytes.prefix(4) { v = v << 8 | UInt32(b) }
        value = v
    }

    public var description: String { bytes.map(String.init).joined(separator: ".") }

    public var isLoopback: Bool { value >> 24 == 127 }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw BerthError.invalidArgument("invalid IPv4 address: \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IPv4 prefix "a.b.c.d/n" (docker's Subnet and IPRange fields). The
/// address is kept as given so a bridge address "172.17.0.1/16" (`--bip`)
/// round-trips; `network` masks it.
public struct IPv4Subnet: Hashable, Codable, Sendable, CustomStringConvertible {
    public let address: IPv4Address
    public let prefixLength: Int

    public init(_ address: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength))
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses CIDR notation; the error names the text and what is wrong.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(parts[0]) else {
            throw BerthError.invalidArgument("invalid CIDR address: \(text)")
        }
        guard let length = Int(parts[1]), (0...32).contains(length), parts[1].allSatisfy(\.isNumber) else {
            throw BerthError.invalidArgument("invalid CIDR address: \(text): prefix length must be 0-32")
        }
        self.init(address, prefixLength: length)
    }

    public var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength) }
    public var network: IPv4Address { IPv4Address(address.value & mask) }
    public var broadcast: IPv4Address { IPv4Address(address.value | ~mask) }
    /// The same prefix with the host bits cleared ("172.17.0.1/16" → "172.17.0.0/16").
    public var masked: IPv4Subnet { IPv4Subnet(network, prefixLength: prefixLength) }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public func contains(_ ip: IPv4Address) -> Bool { ip.value & mask == network.value }

    public func overlaps(_ other: IPv4Subnet) -> Bool {
        contains(other.network) || other.contains(network)
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
