import BerthEngine
import BerthSystem
import NIOHTTP1

/// The one place where errors become HTTP statuses, as moby's
/// `httpstatus.FromError` (errdefs/http_helpers.go): the code of a
/// BerthError picks the status, its message becomes `{"message": …}`.
enum ErrorMapping {
    static func status(for code: BerthError.Code) -> HTTPResponseStatus {
        switch code {
        case .notFound: return .notFound
        case .invalidArgument: return .badRequest
        case .conflict: return .conflict
        case .unauthorized: return .unauthorized
        case .unavailable: return .serviceUnavailable
        case .forbidden: return .forbidden
        case .notImplemented: return .notImplemented
        // moby maps ResourceExhausted, Cancelled and everything unknown to 500.
        case .internalError, .resourceExhausted, .cancelled: return .internalServerError
        }
    }

    /// Status and message for any error a handler throws.
    static func response(for error: any Error) -> (HTTPResponseStatus, String) {
        switch error {
        case let error as BerthError:
            return (status(for: error.code), error.description)
        case let error as SystemError:
            return (status(for: error.code), error.description)
        case let error as DecodingError:
            return (.badRequest, JSONBody.describe(error))
        default:
            return (.internalServerError, "\(error)")
        }
    }
}
