import BerthSystem
import CSQLite

/// A failed SQLite call: the step berth was taking (open, prepare, bind,
/// step, exec…), the SQL if any, and SQLite's own code and message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let step: String
    public let sql: String?
    public let code: Int32
    public let message: String

    public init(step: String, sql: String?, code: Int32, message: String) {
        self.step = step
        self.sql = sql
        self.code = code
        self.message = message
    }

    public var description: String {
        var text = "sqlite \(step)"
        if let sql { text += " `\(sql.count > 200 ? String(sql.prefix(200)) + "…" : sql)`" }
        return text + ": \(message) (code \(code))"
    }

    /// The BerthError code a caller acts on: a busy database is temporarily
    /// unavailable, a violated constraint is a conflict, a full disk is
    /// exhausted; anything else is berth's bug or corruption.
    public var berthCode: BerthError.Code {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: return .unavailable
        case SQLITE_CONSTRAINT: return .conflict
        case SQLITE_FULL: return .resourceExhausted
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY: return .forbidden
        default: return .internalError
        }
    }
}

extension BerthError {
    /// Wraps an SQLite failure as the one berth error type, keeping its code.
    init(_ error: SQLiteError) {
        self.init(error.berthCode, error.description, cause: nil)
    }
}
