#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// Query parameters in order (a name may repeat, as `changes` or `t` do).
public struct Query: Sendable, ExpressibleByDictionaryLiteral {
    public var items: [(String, String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) { items = elements }

    /// Adds `name=value`.
    public mutating func add(_ name: String, _ value: String) { items.append((name, value)) }
    /// Adds `name=value` when there is a value.
    public mutating func add(_ name: String, _ value: String?) { if let value { items.append((name, value)) } }
    /// Adds `name=1` when true (docker's booleans).
    public mutating func flag(_ name: String, _ on: Bool) { if on { items.append((name, "1")) } }
    /// Adds `name=N` when there is a number.
    public mutating func add(_ name: String, _ value: Int?) { if let value { items.append((name, String(value))) } }
    /// Adds docker's `filters` parameter: `{"name":["value",…]}`, nothing when empty.
    public mutating func filters(_ filters: [String: [String]]) {
        guard !filters.isEmpty, let json = try? JSONCoding.encoder.encode(filters) else { return }
        items.append(("filters", String(decoding: json, as: UTF8.self)))
    }

    /// `?a=b&c=d`, percent-encoded; empty without items.
    var encoded: String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { Self.escape($0.0) + "=" + Self.escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String, keeping kept: String = "") -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where kept.utf8.contains(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }

    /// A name for the URL path (a container name, an image reference with its
    /// slashes, colon and @ kept, as docker's client sends them).
    public static func pathSegment(_ text: String) -> String {
        text.split(separator: "/", omittingEmptySubsequences: false).map { escape(String($0), keeping: ":@") }.joined(separator: "/")
    }
}

/// The JSON coders the client uses (the Docker API's keys are in the models' CodingKeys).
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
    static let decoder = JSONDecoder()
}
