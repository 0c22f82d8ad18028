import BerthSystem
import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A thin wrapper over one SQLite connection (the C API, no ORM).
///
/// Opened in WAL mode with synchronous=FULL (a committed transaction
/// survives power loss), foreign keys on, and a busy timeout so a second
/// process waits for the write lock instead of failing at once. Every call
/// holds a recursive lock, so the database can be shared between threads and
/// a `transaction` body can call the other methods.
public final class SQLiteDatabase: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String
    private let lock = Lock(recursive: true)

    /// Opens (creating if needed) the database at `path`.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw BerthError(SQLiteError(step: "open \(path)", sql: nil, code: rc, message: message))
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        do {
            sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
            // journal_mode answers with the mode it ended up in: anything but
            // "wal" (a filesystem without shared memory) is an error worth seeing.
            let mode = try query("PRAGMA journal_mode=WAL") { $0.string(0) }.first
            guard mode?.lowercased() == "wal" else {
                throw BerthError.unavailable("sqlite open \(path): journal_mode is \(mode ?? "unknown"), WAL is required")
            }
            try execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        } catch {
            sqlite3_close_v2(handle)
            throw error
        }
    }

    deinit { sqlite3_close_v2(handle) }

    func error(step: String, sql: String?, code: Int32) -> BerthError {
        BerthError(SQLiteError(step: step, sql: sql, code: code, message: String(cString: sqlite3_errmsg(handle))))
    }

    /// Runs one or more statements without results (schema, pragmas).
    public func execute(_ sql: String) throws {
        try locked {
            var message: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &message)
            guard rc == SQLITE_OK else {
                let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
                sqlite3_free(message)
                throw BerthError(SQLiteError(step: "exec", sql: sql, code: rc, message: text))
            }
        }
    }

    /// Runs one statement with bound values; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        try withStatement(sql) { statement in
            try statement.bind(values)
            while try statement.step() {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs a query and maps each row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        try withStatement(sql) { statement in
            try statement.bind(values)
            var rows: [T] = []
            while try statement.step() { rows.append(try map(statement.row)) }
            return rows
        }
    }

    /// Prepares `sql`, hands the statement to `body` under the lock, and
    /// finalizes it afterwards.
    public func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        try locked {
            let statement = try SQLiteStatement(database: self, sql: sql)
            return try body(statement)
        }
    }

    /// The rowid of the last insert on this connection.
    public var lastInsertRowID: Int64 { locked { sqlite3_last_insert_rowid(handle) } }

    /// Runs `body` in a transaction: BEGIN IMMEDIATE (take the write lock
    /// up front so two writers queue on busy_timeout instead of deadlocking
    /// on upgrade), COMMIT on return, ROLLBACK on throw. Nested calls join
    /// the outer transaction.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked {
            if sqlite3_get_autocommit(handle) == 0 { return try body() }
            try execute("BEGIN IMMEDIATE")
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// The schema version stored in the file (PRAGMA user_version).
    public var userVersion: Int {
        get throws { try query("PRAGMA user_version") { $0.int(0) }.first ?? 0 }
    }

    /// Brings the schema up to date: migration `i` (0-based) moves the
    /// database from user_version i to i+1, each in its own transaction
    /// together with the version bump, so a crash leaves a whole version.
    public func migrate(_ migrations: [String]) throws {
        try locked {
            let current = try userVersion
            guard current <= migrations.count else {
                throw BerthError.conflict("database \(path) has schema version \(current); this berth knows up to \(migrations.count)")
            }
            for version in current..<migrations.count {
                try transaction {
                    do {
                        try execute(migrations[version])
                    } catch let error as BerthError {
                        throw BerthError(error.code, "migration to schema version \(version + 1) of \(path) failed", cause: error)
                    }
                    try execute("PRAGMA user_version = \(version + 1)")
                }
            }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
