import BerthEngine
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

/// Decoding of request bodies and encoding of responses, kept apart from the
/// handlers (moby's `httputils.ReadJSON` / `WriteJSON`).
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        // dockerd writes "/" unescaped (Go's encoding/json), so image names stay readable.
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// Decodes a JSON body. An empty body decodes as `empty` when given (some
    /// routes accept no body), else fails as moby: "invalid JSON: got EOF
    /// while reading request body".
    static func decode<T: Decodable>(_ type: T.Type, from request: APIRequest, empty: T? = nil) throws -> T {
        if let contentType = request.headers.first(name: "content-type"), !contentType.isEmpty,
           !contentType.lowercased().hasPrefix("application/json"), request.bodyLength > 0 {
            throw BerthError.invalidArgument("unsupported Content-Type header (\(contentType)): must be 'application/json'")
        }
        guard var body = request.body, body.readableBytes > 0 else {
            if let empty { return empty }
            throw BerthError.invalidArgument("invalid JSON: got EOF while reading request body")
        }
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw BerthError.invalidArgument(describe(error))
        }
    }

    /// A DecodingError as a person reads it: the JSON field path and what was wrong.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "body" : joined.replacing(".[", with: "[")
        }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError).map { ": \($0)" } ?? ""
            if context.codingPath.isEmpty {
                return "invalid JSON: \(context.debugDescription)\(underlying)"
            }
            return "invalid JSON: field \(path(context.codingPath)): \(context.debugDescription)"
        case .typeMismatch(let type, let context):
            return "invalid JSON: field \(path(context.codingPath)): expected \(jsonType(type))"
        case .valueNotFound(let type, let context):
            return "invalid JSON: field \(path(context.codingPath)): expected \(jsonType(type)), got null"
        case .keyNotFound(let key, let context):
            return "invalid JSON: field \(path(context.codingPath + [key])) is required"
        @unknown default:
            return "invalid JSON: \(error)"
        }
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type, is UInt8.Type,
             is Double.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object (\(name))"
        }
    }

    static let decoder = JSONDecoder()

    static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        let data = try encoder.encode(value)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return buffer
    }
}
