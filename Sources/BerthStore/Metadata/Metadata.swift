import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The store's metadata in SQLite (ROOT/metadata.db): images, content
/// labels and GC references, snapshots, and leases. It plays the part of
/// containerd's bolt metadata store; every table lives in one file so a
/// change to several of them is one transaction.
public final class Metadata: @unchecked Sendable {
    public let database: SQLiteDatabase

    /// Opens (creating and migrating) the database at `path`.
    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.migrate(Self.migrations)
    }

    /// Schema versions, oldest first; only ever append.
    static let migrations = [
        """
        CREATE TABLE images (
            name TEXT PRIMARY KEY,
            digest TEXT NOT NULL,
            target TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX images_by_digest ON images(digest);
        CREATE TABLE image_labels (
            image TEXT NOT NULL REFERENCES images(name) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (image, key)
        );
        CREATE TABLE content_labels (
            digest TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (digest, key)
        );
        CREATE TABLE gc_refs (
            from_kind TEXT NOT NULL,
            from_id TEXT NOT NULL,
            to_kind TEXT NOT NULL,
            to_id TEXT NOT NULL,
            PRIMARY KEY (from_kind, from_id, to_kind, to_id)
        );
        CREATE INDEX gc_refs_by_target ON gc_refs(to_kind, to_id);
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES snapshots(id),
            kind TEXT NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
            link TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX snapshots_by_parent ON snapshots(parent_id);
        CREATE TABLE snapshot_labels (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (snapshot_id, key)
        );
        CREATE TABLE leases (
            id TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            expires_at REAL
        );
        CREATE TABLE lease_resources (
            lease TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            resource TEXT NOT NULL,
            PRIMARY KEY (lease, kind, resource)
        );
        """,
    ]

    static func now() -> Double { Date().timeIntervalSince1970 }
}

/// Something garbage collection tracks: a blob or a snapshot (by key).
public enum GCResource: Hashable, Sendable, CustomStringConvertible {
    case content(Digest)
    case snapshot(String)

    var kind: String {
        switch self {
        case .content: return "content"
        case .snapshot: return "snapshot"
        }
    }

    var id: String {
        switch self {
        case .content(let digest): return digest.description
        case .snapshot(let key): return key
        }
    }

    init(kind: String, id: String) throws {
        switch kind {
        case "content": self = .content(try Digest(parsing: id))
        case "snapshot": self = .snapshot(id)
        default: throw BerthError.internalError("metadata: unknown GC resource kind \"\(kind)\" for \(id)")
        }
    }

    public var description: String { "\(kind) \(id)" }
}
