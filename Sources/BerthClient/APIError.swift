import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// The daemon answered with an error status: its `{"message": …}` and the
/// status. `code` is the status as berth's error kind (the CLI's exit codes
/// and messages follow it).
public struct APIError: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// Decodes an error body: docker's `{"message": …}`, else the text itself.
    init(status: Int, body: [UInt8]) {
        struct Body: Decodable { var message: String? }
        let decoded = try? JSONCoding.decoder.decode(Body.self, from: Data(body))
        var text = decoded?.message ?? String(decoding: body, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        if text.isEmpty { text = "HTTP status \(status)" }
        self.init(status: status, message: text)
    }

    public var code: BerthError.Code {
        switch status {
        case 400: return .invalidArgument
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 409: return .conflict
        case 501: return .notImplemented
        case 503: return .unavailable
        default: return .internalError
        }
    }

    public var description: String { message }
}
