#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one error type of berth: a closed set of codes, a message a person can
/// act on, and the cause. The API maps `Code` to an HTTP status in one place
/// (as moby's httpstatus does); the CLI maps it to an exit status.
public struct BerthError: Error, CustomStringConvertible, Sendable {
    /// The closed set of error kinds. Add a case only when a caller must act
    /// differently on it.
    public enum Code: String, Sendable, CaseIterable {
        case notFound = "not found"
        case conflict = "conflict"
        case invalidArgument = "invalid argument"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case unavailable = "unavailable"
        case notImplemented = "not implemented"
        case internalError = "internal"
        case resourceExhausted = "resource exhausted"
        case cancelled = "cancelled"
    }

    public let code: Code
    public let message: String
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }

    public static func notFound(_ message: String, cause: (any Error)? = nil) -> BerthError { .init(.notFound, message, cause: cause) }
    public static func conflict(_ message: String, cause: (any Error)? = nil) -> BerthError { .init(.conflict, message, cause: cause) }
    public static func invalidArgument(_ message: String, cause: (any Error)? = nil) -> BerthError { .init(.invalidArgument, message, cause: cause) }
    public static func unavailable(_ message: String, cause: (any Error)? = nil) -> BerthError { .init(.unavailable, message, cause: cause) }
    public static func internalError(_ message: String, cause: (any Error)? = nil) -> BerthError { .init(.internalError, message, cause: cause) }
}

/// A failed system call: the call, the path or object it acted on, and errno
/// (crun's `crun_make_error (err, errno, "open `%s`", rootfs)`).
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public let call: String
    public let path: String?
    public let errno: Int32

    public init(_ call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let path { return "\(call) `\(path)`: \(reason)" }
        return "\(call): \(reason)"
    }

    /// The BerthError code a caller most likely wants for this errno.
    public var code: BerthError.Code {
        switch errno {
        case ENOENT, ESRCH: return .notFound
        case EEXIST, EBUSY: return .conflict
        case EINVAL, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG: return .invalidArgument
        case EACCES, EPERM: return .forbidden
        case ENOSPC, EDQUOT, ENOMEM, EMFILE, ENFILE: return .resourceExhausted
        default: return .internalError
        }
    }
}

extension BerthError {
    /// Wraps a system error with the step that failed, keeping its code.
    public init(_ error: SystemError, while step: String) {
        self.init(error.code, step, cause: error)
    }
}
