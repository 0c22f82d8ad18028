import XCTest
import Foundation
@testable import BerthStore
@testable import BerthSystem

final class SQLiteDatabaseTests: XCTestCase {
    func testOpensInWALWithFullSync() throws {
        let dir = try makeTempDir(self)
        let db = try SQLiteDatabase(path: "\(dir)/t.db")
        XCTAssertEqual(try db.query("PRAGMA journal_mode") { $0.string(0) }, ["wal"])
        XCTAssertEqual(try db.query("PRAGMA synchronous") { $0.int(0) }, [2]) // FULL
        XCTAssertEqual(try db.query("PRAGMA foreign_keys") { $0.int(0) }, [1])
    }

    func testTypedBindsAndColumnsRoundTrip() throws {
        let db = try SQLiteDatabase(path: "\(try makeTempDir(self))/t.db")
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(Int64.max), .real(2.5), "héllo", .blob([0, 1, 255]), nil])
        let rows = try db.query("SELECT i, r, s, b, n FROM t") { row in
            (row.int64(0), row.double(1), row.string(2), row.blob(3), row.optionalString(4))
        }
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].0, Int64.max)
        XCTAssertEqual(rows[0].1, 2.5)
        XCTAssertEqual(rows[0].2, "héllo")
        XCTAssertEqual(rows[0].3, [0, 1, 255])
        XCTAssertNil(rows[0].4)
    }

    func testTransactionRollsBackOnThrow() throws {
        let db = try SQLiteDatabase(path: "\(try makeTempDir(self))/t.db")
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t VALUES ('a')")
            throw Boom()
        })
        XCTAssertEqual(try db.query("SELECT count(*) FROM t") { $0.int(0) }, [0])
        try db.transaction { try db.run("INSERT INTO t VALUES ('b')") }
        XCTAssertEqual(try db.query("SELECT k FROM t") { $0.string(0) }, ["b"])
    }

    func testErrorsNameTheStepTheSQLAndSQLitesMessage() throws {
        let db = try SQLiteDatabase(path: "\(try makeTempDir(self))/t.db")
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        assertBerthError(.internalError, contains: "sqlite prepare `SELECT nope FROM t`: no such column: nope") {
            _ = try db.query("SELECT nope FROM t") { $0.int(0) }
        }
        try db.run("INSERT INTO t VALUES (?)", ["x"])
        assertBerthError(.conflict, contains: "UNIQUE constraint failed: t.k") {
            try db.run("INSERT INTO t VALUES (?)", ["x"])
        }
        assertBerthError(.internalError, contains: "2 values for 1 parameters") {
            try db.run("INSERT INTO t VALUES (?)", ["x", "y"])
        }
    }

    func testMigrationsRunOnceInOrderAndSurviveReopen() throws {
        let path = "\(try makeTempDir(self))/t.db"
        let migrations = ["CREATE TABLE a (x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT"]
        do {
            let db = try SQLiteDatabase(path: path)
            try db.migrate(Array(migrations.prefix(1)))
            XCTAssertEqual(try db.userVersion, 1)
        }
        let db = try SQLiteDatabase(path: path)
        try db.migrate(migrations)
        try db.migrate(migrations) // idempotent
        XCTAssertEqual(try db.userVersion, 2)
        try db.run("INSERT INTO a (x, y) VALUES (1, 'one')")
        // A newer file than this code knows is refused, not silently used.
        assertBerthError(.conflict, contains: "schema version 2; this berth knows up to 1") {
            try db.migrate(Array(migrations.prefix(1)))
        }
    }

    func testFailedMigrationLeavesPreviousVersion() throws {
        let db = try SQLiteDatabase(path: "\(try makeTempDir(self))/t.db")
        assertBerthError(.internalError, contains: "migration to schema version 2") {
            try db.migrate(["CREATE TABLE a (x)", "CREATE TABLE a (x)"])
        }
        XCTAssertEqual(try db.userVersion, 1)
    }

    func testSecondConnectionSeesCommittedWrites() throws {
        let path = "\(try makeTempDir(self))/t.db"
        let one = try SQLiteDatabase(path: path)
        let two = try SQLiteDatabase(path: path)
        try one.execute("CREATE TABLE t (v INTEGER)")
        try one.transaction { try one.run("INSERT INTO t VALUES (7)") }
        XCTAssertEqual(try two.query("SELECT v FROM t") { $0.int(0) }, [7])
    }
}
