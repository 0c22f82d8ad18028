import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The kinds of snapshot, as containerd's: an active snapshot is writable
/// (a container's layer, or a layer being unpacked), a view is a read-only
/// look at a committed chain, a committed one is immutable and can be a parent.
public enum SnapshotKind: String, Sendable, Codable {
    case active, view, committed
}

/// What the snapshotter reports about a snapshot.
public struct SnapshotInfo: Sendable, Equatable {
    public var key: String
    public var parent: String?
    public var kind: SnapshotKind
    public var labels: [String: String]
    public var createdAt: Date
    public var updatedAt: Date
}

/// A snapshot's row: its directory is ROOT/snapshots/<id>, its short link
/// ROOT/snapshots/l/<link>.
struct SnapshotRecord: Sendable, Equatable {
    var id: Int64
    var key: String
    var parentID: Int64?
    var parentKey: String?
    var kind: SnapshotKind
    var link: String
    var createdAt: Double
    var updatedAt: Double
}

extension Metadata {
    private static let snapshotColumns = """
        SELECT s.id, s.key, s.parent_id, p.key, s.kind, s.link, s.created_at, s.updated_at
        FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id
        """

    private static func record(_ row: SQLiteRow) throws -> SnapshotRecord {
        guard let kind = SnapshotKind(rawValue: row.string(4)) else {
            throw BerthError.internalError("metadata: snapshot \(row.string(1)) has unknown kind \(row.string(4))")
        }
        return SnapshotRecord(id: row.int64(0), key: row.string(1), parentID: row.optionalInt64(2), parentKey: row.optionalString(3),
                              kind: kind, link: row.string(5), createdAt: row.double(6), updatedAt: row.double(7))
    }

    func snapshotRecord(_ key: String) throws -> SnapshotRecord {
        guard let record = try database.query(Self.snapshotColumns + " WHERE s.key = ?", [.text(key)], Self.record).first else {
            throw BerthError.notFound("snapshot \(key) not found")
        }
        return record
    }

    func snapshotRecord(id: Int64) throws -> SnapshotRecord? {
        try database.query(Self.snapshotColumns + " WHERE s.id = ?", [.integer(id)], Self.record).first
    }

    func snapshotRecords() throws -> [SnapshotRecord] {
        try database.query(Self.snapshotColumns + " ORDER BY s.id", [], Self.record)
    }

    /// Inserts a snapshot under `parent` (which must be committed).
    func insertSnapshot(key: String, parent: String?, kind: SnapshotKind, link: String, labels: [String: String]) throws -> SnapshotRecord {
        guard !key.isEmpty else { throw BerthError.invalidArgument("snapshot key is empty") }
        return try database.transaction {
            if (try? snapshotRecord(key)) != nil { throw BerthError.conflict("snapshot \(key) already exists") }
            var parentID: Int64?
            if let parent {
                let record = try snapshotRecord(parent)
                guard record.kind == .committed else {
                    throw BerthError.invalidArgument("parent snapshot \(parent) is \(record.kind.rawValue), not committed")
                }
                parentID = record.id
            }
            let now = Self.now()
            try database.run("INSERT INTO snapshots (key, parent_id, kind, link, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                             [.text(key), .integer(parentID), .text(kind.rawValue), .text(link), .real(now), .real(now)])
            let record = try snapshotRecord(key)
            try setSnapshotLabels(id: record.id, labels)
            return record
        }
    }

    /// Turns the active snapshot `key` into the committed snapshot `name`.
    func commitSnapshot(key: String, name: String, labels: [String: String]?) throws -> SnapshotRecord {
        try database.transaction {
            let record = try snapshotRecord(key)
            guard record.kind == .active else {
                throw BerthError.invalidArgument("snapshot \(key) is \(record.kind.rawValue); only an active snapshot can be committed")
            }
            if (try? snapshotRecord(name)) != nil { throw BerthError.conflict("snapshot \(name) already exists") }
            try database.run("UPDATE snapshots SET key = ?, kind = 'committed', updated_at = ? WHERE id = ?",
                             [.text(name), .real(Self.now()), .integer(record.id)])
            if let labels { try setSnapshotLabels(id: record.id, labels) }
            return try snapshotRecord(name)
        }
    }

    /// Deletes a snapshot's row; refuses while other snapshots build on it.
    func deleteSnapshot(_ record: SnapshotRecord) throws {
        try database.transaction {
            let children = try database.query("SELECT key FROM snapshots WHERE parent_id = ? ORDER BY key", [.integer(record.id)]) { $0.string(0) }
            guard children.isEmpty else {
                throw BerthError.conflict("snapshot \(record.key) has children: \(children.joined(separator: ", "))")
            }
            try database.run("DELETE FROM snapshots WHERE id = ?", [.integer(record.id)])
            try removeReferences(from: .snapshot(record.key))
        }
    }

    func snapshotLabels(id: Int64) throws -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in try database.query("SELECT key, value FROM snapshot_labels WHERE snapshot_id = ?", [.integer(id)], { ($0.string(0), $0.string(1)) }) {
            labels[key] = value
        }
        return labels
    }

    func setSnapshotLabels(id: Int64, _ labels: [String: String]) throws {
        try database.transaction {
            try database.run("DELETE FROM snapshot_labels WHERE snapshot_id = ?", [.integer(id)])
            for (key, value) in labels {
                try database.run("INSERT INTO snapshot_labels (snapshot_id, key, value) VALUES (?, ?, ?)", [.integer(id), .text(key), .text(value)])
            }
        }
    }

    func info(_ record: SnapshotRecord) throws -> SnapshotInfo {
        SnapshotInfo(key: record.key, parent: record.parentKey, kind: record.kind, labels: try snapshotLabels(id: record.id),
                     createdAt: Date(timeIntervalSince1970: record.createdAt), updatedAt: Date(timeIntervalSince1970: record.updatedAt))
    }
}
