import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The engine's container state on disk: SQLite (BerthStore's wrapper: WAL,
/// synchronous=FULL) at `<data-root>/engine.db`. One row per container, its
/// record as JSON; the name column is unique so two creates with one name
/// cannot both win.
final class ContainerStateStore: @unchecked Sendable {
    let database: SQLiteDatabase

    static let migrations = [
        """
        CREATE TABLE containers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            record BLOB NOT NULL
        );
        """,
    ]

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.migrate(Self.migrations)
    }

    func all() throws -> [ContainerRecord] {
        let decoder = JSONDecoder()
        return try database.query("SELECT record FROM containers") { row in
            try decoder.decode(ContainerRecord.self, from: Data(row.blob(0)))
        }
    }

    func insert(_ record: ContainerRecord) throws {
        do {
            try database.run("INSERT INTO containers (id, name, record) VALUES (?, ?, ?)",
                             [.text(record.id), .text(record.name), .blob(try encode(record))])
        } catch let error as BerthError where "\(error)".contains("UNIQUE") {
            throw BerthError.conflict("Conflict. The container name \"/\(record.name)\" is already in use. You have to remove (or rename) that container to be able to reuse that name.")
        }
    }

    func update(_ record: ContainerRecord) throws {
        try database.run("UPDATE containers SET name = ?, record = ? WHERE id = ?",
                         [.text(record.name), .blob(try encode(record)), .text(record.id)])
    }

    func delete(_ id: String) throws {
        try database.run("DELETE FROM containers WHERE id = ?", [.text(id)])
    }

    private func encode(_ record: ContainerRecord) throws -> [UInt8] {
        Array(try JSONEncoder().encode(record))
    }
}
