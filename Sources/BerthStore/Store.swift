import BerthSystem

/// The store as the rest of berth sees it: blobs, metadata and snapshots
/// under one root, plus the operations that span them (GC, fsck).
///
///     ROOT/content/…       ContentStore
///     ROOT/metadata.db     Metadata (SQLite)
///     ROOT/snapshots/…     Snapshotter
public final class Store: @unchecked Sendable {
    public let root: String
    public let content: ContentStore
    public let metadata: Metadata
    public let snapshotter: Snapshotter
    /// Serializes garbage collection and fsck with each other.
    let maintenance = Lock()

    public init(root: String) throws {
        self.root = root
        try step("create store \(root)") { try Durable.makeDirectories(root) }
        content = try ContentStore(root: root + "/content")
        metadata = try Metadata(path: root + "/metadata.db")
        snapshotter = try Snapshotter(root: root + "/snapshots", metadata: metadata)
    }
}
