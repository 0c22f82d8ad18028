import BerthSystem

/// A content digest, `algorithm:hex` (OCI image spec, descriptor.md#digests).
/// Only sha256 and sha512 are accepted, with lowercase hex of the right length.
public struct Digest: Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
    public enum Algorithm: String, Sendable, Codable {
        case sha256, sha512
        public var hexLength: Int { self == .sha256 ? 64 : 128 }
    }

    public let algorithm: Algorithm
    public let hex: String

    public init(algorithm: Algorithm, hex: String) throws {
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw BerthError.invalidArgument("invalid \(algorithm.rawValue) digest hex \"\(hex)\"")
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    public init(parsing string: String) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw BerthError.invalidArgument("invalid digest \"\(string)\": expected algorithm:hex")
        }
        let name = String(string[..<colon])
        guard let algorithm = Algorithm(rawValue: name) else {
            throw BerthError.invalidArgument("unsupported digest algorithm \"\(name)\" in \"\(string)\"")
        }
        try self.init(algorithm: algorithm, hex: String(string[string.index(after: colon)...]))
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    /// The first 12 hex characters, as docker shows image and layer IDs.
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(parsing: try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
