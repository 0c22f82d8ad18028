import BerthEngine
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

/// One decoded request as a handler sees it: the route's path parameters,
/// the query, the negotiated API version, and the body — buffered for JSON
/// routes, streamed for uploads.
struct APIRequest: Sendable {
    let method: HTTPMethod
    /// The path without its `/v1.xx` prefix.
    let path: String
    let version: APIVersion
    let query: Query
    let headers: HTTPHeaders
    let params: [String: String]
    /// The whole body of a buffered route (nil when there was none).
    let body: ByteBuffer?
    /// The body of a streamed route, read as the handler consumes it.
    let bodyStream: ByteStream
    /// True when the client asked for `Connection: Upgrade` + `Upgrade: tcp`.
    let wantsUpgrade: Bool

    var bodyLength: Int { body?.readableBytes ?? 0 }

    /// A path parameter; the router guarantees it exists for the route.
    func param(_ name: String) -> String { params[name] ?? "" }

    /// Decodes `X-Registry-Auth` when present.
    func registryAuth() throws -> AuthConfig? {
        guard let header = headers.first(name: "X-Registry-Auth") else { return nil }
        return try AuthConfig(registryAuthHeader: header)
    }
}

/// The query string, multi-valued and percent-decoded, with moby's parsing
/// rules for booleans and integers.
struct Query: Sendable {
    private(set) var items: [(String, String)] = []

    init(_ raw: Substring?) {
        guard let raw, !raw.isEmpty else { return }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentDecoding.decode(parts[0], plusAsSpace: true)
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            items.append((key, value))
        }
    }

    /// The first value of `key` (Go's `FormValue`), nil when absent.
    func string(_ key: String) -> String? {
        items.first { $0.0 == key }?.1
    }

    /// A value that must not be empty when given.
    func nonEmpty(_ key: String) -> String? {
        guard let value = string(key), !value.isEmpty else { return nil }
        return value
    }

    /// All values of a repeated key (`t=a&t=b`).
    func all(_ key: String) -> [String] {
        items.filter { $0.0 == key }.map(\.1)
    }

    /// moby's `httputils.BoolValue`: false for "", "0", "no", "false", "none".
    func bool(_ key: String) -> Bool {
        guard let value = string(key) else { return false }
        let normalized = value.lowercased().filter { $0 != " " }
        return !["", "0", "no", "false", "none"].contains(normalized)
    }

    /// moby's `BoolValueOrDefault`: the default when the key is absent.
    func bool(_ key: String, default defaultValue: Bool) -> Bool {
        string(key) == nil ? defaultValue : bool(key)
    }

    /// An integer parameter; a malformed one is a 400 naming the parameter.
    func int(_ key: String) throws -> Int? {
        guard let value = string(key), !value.isEmpty else { return nil }
        guard let number = Int(value) else {
            throw BerthError.invalidArgument("invalid value for \(key): \"\(value)\" is not an integer")
        }
        return number
    }

    func int64(_ key: String) throws -> Int64? {
        try int(key).map(Int64.init)
    }

    /// A Unix timestamp in seconds with an optional fraction, as dockerd's
    /// `timetypes.ParseTimestamps` accepts for since/until.
    func timestamp(_ key: String) throws -> Double? {
        guard let value = string(key), !value.isEmpty else { return nil }
        guard let seconds = Double(value) else {
            throw BerthError.invalidArgument("invalid value for \(key): \"\(value)\" is not a Unix timestamp")
        }
        return seconds
    }

    /// The `filters` parameter.
    func filters() throws -> Filters {
        try Filters(json: string("filters") ?? "")
    }

    /// A JSON-encoded parameter (buildargs, labels, cachefrom).
    func json<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
        guard let value = string(key), !value.isEmpty else { return nil }
        do {
            return try JSONBody.decoder.decode(T.self, from: Data(value.utf8))
        } catch {
            throw BerthError.invalidArgument("invalid value for \(key): not valid JSON")
        }
    }
}

/// `%XX` decoding of paths and query strings.
enum PercentDecoding {
    static func decode(_ text: Substring, plusAsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let high = hex(iterator[iterator.startIndex]), let low = hex(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
