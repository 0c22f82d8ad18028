import BerthSystem
import CArchive
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Overlay snapshots, containerd-style: `prepare`, `view` and `mounts`
/// RETURN the mounts a caller performs; nothing here mounts.
///
///     ROOT/<id>/fs        the snapshot's directory (overlay upperdir)
///     ROOT/<id>/work      overlay workdir
///     ROOT/l/<link>       -> ../<id>/fs, a 26-character name
///
/// Lower directories are named through the short links, as docker's
/// overlay2 does, so the lowerdir option of a 120-layer chain stays within
/// the kernel's one-page limit for mount data (see `Mounter`).
/// Rows live in `Metadata`; every method is safe to call from any thread.
public final class Snapshotter: @unchecked Sendable {
    public let root: String
    let metadata: Metadata
    private let lock = Lock()

    public init(root: String, metadata: Metadata) throws {
        self.root = root
        self.metadata = metadata
        try step("create snapshot directory \(root)") { try Durable.makeDirectories(root + "/l") }
    }

    /// A writable snapshot on top of the committed `parent` (or empty).
    public func prepare(_ key: String, parent: String? = nil, labels: [String: String] = [:]) throws -> [Mount] {
        try create(key, parent: parent, kind: .active, labels: labels)
    }

    /// A read-only snapshot of the committed `parent`.
    public func view(_ key: String, parent: String?, labels: [String: String] = [:]) throws -> [Mount] {
        try create(key, parent: parent, kind: .view, labels: labels)
    }

    /// The mounts of an existing active snapshot or view.
    public func mounts(_ key: String) throws -> [Mount] {
        try lock.withLock { try mounts(for: try metadata.snapshotRecord(key)) }
    }

    /// Freezes the active snapshot `key` as the committed snapshot `name`
    /// (usually a layer's chain ID). The key stops existing.
    public func commit(name: String, key: String, labels: [String: String]? = nil) throws {
        try lock.withLock {
            let record = try metadata.snapshotRecord(key)
            try step("commit snapshot \(key) as \(name)") {
                // The layer's bytes must be on disk before its row says so.
                let fs = try FileDescriptor.open(directory(record) + "/fs", O_RDONLY | O_DIRECTORY)
                try sys("syncfs", directory(record)) { berth_store_syncfs(fs.raw) }
            }
            _ = try metadata.commitSnapshot(key: key, name: name, labels: labels)
        }
    }

    /// Removes a snapshot and its files; `.conflict` while it has children.
    /// The caller must have unmounted it.
    public func remove(_ key: String) throws {
        let trash: String = try lock.withLock {
            let record = try metadata.snapshotRecord(key)
            let directory = directory(record)
            let trash = "\(root)/rm-\(record.id)"
            try metadata.database.transaction {
                try metadata.deleteSnapshot(record)
                // Rename first: a crash mid-removal leaves an rm- directory
                // (which fsck reports), never a half-deleted live snapshot.
                try step("remove snapshot \(key)") {
                    if access(directory, F_OK) == 0 { try sys("rename", directory) { rename(directory, trash) } }
                }
            }
            unlink("\(root)/l/\(record.link)")
            return trash
        }
        // The trash is no snapshot's any more: removing its files needs no
        // lock, so removals of other snapshots do not wait behind it.
        try step("remove snapshot \(key)") { try Durable.removeTree(trash) }
    }

    /// One snapshot's info; `.notFound` if absent.
    public func stat(_ key: String) throws -> SnapshotInfo {
        try metadata.info(try metadata.snapshotRecord(key))
    }

    /// All snapshots, oldest first.
    public func list() throws -> [SnapshotInfo] {
        try metadata.database.transaction { try metadata.snapshotRecords().map(metadata.info) }
    }

    /// The snapshot's own directory (the upperdir of an active one): where
    /// `LayerApplier` unpacks and `Differ` reads.
    public func directory(_ key: String) throws -> String {
        directory(try metadata.snapshotRecord(key)) + "/fs"
    }

    func directory(_ record: SnapshotRecord) -> String { "\(root)/\(record.id)" }

    private func create(_ key: String, parent: String?, kind: SnapshotKind, labels: [String: String]) throws -> [Mount] {
        try lock.withLock {
            let link = Self.newLink()
            let staging = "\(root)/new-\(link)"
            try step("create snapshot \(key)") {
                try sys("mkdir", staging) { mkdir(staging, 0o700) }
                try sys("mkdir", staging + "/fs") { mkdir(staging + "/fs", 0o755) }
                try sys("mkdir", staging + "/work") { mkdir(staging + "/work", 0o700) }
            }
            var placed = staging
            do {
                return try metadata.database.transaction {
                    let record = try metadata.insertSnapshot(key: key, parent: parent, kind: kind, link: link, labels: labels)
                    try step("create snapshot \(key)") {
                        try sys("rename", directory(record)) { rename(staging, directory(record)) }
                        placed = directory(record)
                        try sys("symlink", "\(root)/l/\(link)") { symlink("../\(record.id)/fs", "\(root)/l/\(link)") }
                        try Durable.syncDirectory(root + "/l")
                        try Durable.syncDirectory(root)
                    }
                    return try mounts(for: record)
                }
            } catch {
                // The row was rolled back; take the directory and link with it.
                unlink("\(root)/l/\(link)")
                try? Durable.removeTree(placed)
                throw error
            }
        }
    }

    /// 26 characters of base32, like docker overlay2's link ids.
    static func newLink() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        return String((0..<26).map { _ in alphabet[Int(generator.next() % 32)] })
    }
}
