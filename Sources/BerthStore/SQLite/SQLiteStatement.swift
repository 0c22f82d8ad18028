import BerthSystem
import CSQLite

/// SQLite copies bound text and blobs (SQLITE_TRANSIENT), so Swift buffers
/// need not outlive the bind call.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement with typed binds (1-based, as SQLite numbers them)
/// and typed columns. Use it from the thread that holds the database's lock:
/// `SQLiteDatabase.withStatement` or the query helpers do that.
public final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    unowned let database: SQLiteDatabase

    init(database: SQLiteDatabase, sql: String) throws {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &handle, nil)
        guard rc == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw database.error(step: "prepare", sql: sql, code: rc)
        }
        self.handle = handle
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `value` to parameter `index` (1-based).
    public func bind(_ value: SQLiteValue, at index: Int) throws {
        let position = Int32(index)
        let rc: Int32
        switch value {
        case .integer(let number): rc = sqlite3_bind_int64(handle, position, number)
        case .real(let number): rc = sqlite3_bind_double(handle, position, number)
        case .text(let text): rc = sqlite3_bind_text(handle, position, text, -1, transient)
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { raw in
                sqlite3_bind_blob(handle, position, raw.baseAddress, Int32(raw.count), transient)
            }
        case .null: rc = sqlite3_bind_null(handle, position)
        }
        guard rc == SQLITE_OK else { throw database.error(step: "bind parameter \(index)", sql: sql, code: rc) }
    }

    /// Binds all values in order, after clearing earlier bindings.
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw BerthError(SQLiteError(step: "bind", sql: sql, code: SQLITE_RANGE,
                                         message: "\(values.count) values for \(expected) parameters"))
        }
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    /// Advances to the next row; false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw database.error(step: "step", sql: sql, code: rc)
        }
    }

    /// The current row; valid until the next `step`.
    public var row: SQLiteRow { SQLiteRow(statement: handle) }

    /// Rewinds the statement so it can run again with new bindings.
    public func reset() { sqlite3_reset(handle) }
}
