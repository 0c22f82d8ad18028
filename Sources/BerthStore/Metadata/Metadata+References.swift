import BerthOCI
import BerthSystem

extension Metadata {
    /// Records that `from` needs `to` (a manifest needs its config and
    /// layers; an image config needs its top snapshot; a committed container
    /// snapshot needs the blob it was exported to). GC keeps what a root
    /// reaches through these edges, as containerd's gc.ref labels do.
    public func addReference(from: GCResource, to: GCResource) throws {
        try database.run("INSERT OR IGNORE INTO gc_refs (from_kind, from_id, to_kind, to_id) VALUES (?, ?, ?, ?)",
                         [.text(from.kind), .text(from.id), .text(to.kind), .text(to.id)])
    }

    /// Records several references from one resource in one transaction.
    public func addReferences(from: GCResource, to targets: [GCResource]) throws {
        try database.transaction { for target in targets { try addReference(from: from, to: target) } }
    }

    /// What `from` references.
    public func references(from: GCResource) throws -> [GCResource] {
        try database.query("SELECT to_kind, to_id FROM gc_refs WHERE from_kind = ? AND from_id = ? ORDER BY to_kind, to_id",
                           [.text(from.kind), .text(from.id)]) { ($0.string(0), $0.string(1)) }
            .map { try GCResource(kind: $0.0, id: $0.1) }
    }

    /// Drops the references held by `resource` (it was deleted).
    public func removeReferences(from resource: GCResource) throws {
        try database.run("DELETE FROM gc_refs WHERE from_kind = ? AND from_id = ?", [.text(resource.kind), .text(resource.id)])
    }

    /// Sets (or with nil removes) a label on a blob, e.g. the uncompressed
    /// digest of a layer (containerd.io/uncompressed) to skip re-hashing.
    public func setContentLabel(_ digest: Digest, key: String, value: String?) throws {
        if let value {
            try database.run("INSERT INTO content_labels (digest, key, value) VALUES (?, ?, ?) ON CONFLICT (digest, key) DO UPDATE SET value = excluded.value",
                             [.text(digest.description), .text(key), .text(value)])
        } else {
            try database.run("DELETE FROM content_labels WHERE digest = ? AND key = ?", [.text(digest.description), .text(key)])
        }
    }

    public func contentLabels(_ digest: Digest) throws -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in try database.query("SELECT key, value FROM content_labels WHERE digest = ?", [.text(digest.description)], { ($0.string(0), $0.string(1)) }) {
            labels[key] = value
        }
        return labels
    }
}
