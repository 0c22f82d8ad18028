import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a garbage collection removed.
public struct GCReport: Sendable, Equatable {
    public var removedContent: [Digest] = []
    public var removedSnapshots: [String] = []
    public var expiredLeases: [String] = []
    public var reclaimedBytes: Int64 = 0
}

extension Store {
    /// Mark and sweep, as containerd's metadata GC: the roots are image
    /// targets, the resources of unexpired leases, and snapshots that are
    /// active or views (a container uses them); references (`gc_refs`) and
    /// snapshot parents are the edges. Unreached blobs are deleted;
    /// unreached committed snapshots only when `snapshots` is true (they are
    /// the expensive part of a re-pull, so docker keeps them until prune).
    ///
    /// Blobs are listed before the marks are read: a pull adds a blob to
    /// its lease before committing it, so a blob committed during GC is
    /// either not listed or already leased.
    public func collectGarbage(snapshots collectSnapshots: Bool = false, now: Date = Date()) throws -> GCReport {
        try maintenance.withLock {
            var report = GCReport()
            let blobs = try content.list()

            let marked: Set<GCResource> = try metadata.database.transaction {
                for lease in try metadata.leases() where lease.expiresAt.map({ $0 <= now }) ?? false {
                    try metadata.deleteLease(lease.id)
                    report.expiredLeases.append(lease.id)
                }
                var roots: [GCResource] = try metadata.images().map { .content($0.target.digest) }
                roots += try metadata.leases().flatMap(\.resources)
                let records = try metadata.snapshotRecords()
                for record in records where record.kind != .committed || !collectSnapshots {
                    roots.append(.snapshot(record.key))
                }
                return try mark(roots, parents: Dictionary(records.map { ($0.key, $0.parentKey) }, uniquingKeysWith: { $1 }))
            }

            for blob in blobs where !marked.contains(.content(blob.digest)) {
                do {
                    try content.delete(blob.digest)
                } catch let error as BerthError where error.code == .notFound {
                    continue
                }
                try metadata.removeReferences(from: .content(blob.digest))
                try metadata.database.run("DELETE FROM content_labels WHERE digest = ?", [.text(blob.digest.description)])
                report.removedContent.append(blob.digest)
                report.reclaimedBytes += blob.size
            }

            if collectSnapshots {
                // Children before parents: repeat until nothing more goes.
                var removedAny = true
                while removedAny {
                    removedAny = false
                    let records = try metadata.snapshotRecords()
                    let parents = Set(records.compactMap(\.parentID))
                    for record in records where record.kind == .committed && !marked.contains(.snapshot(record.key)) && !parents.contains(record.id) {
                        try snapshotter.remove(record.key)
                        report.removedSnapshots.append(record.key)
                        removedAny = true
                    }
                }
            }
            return report
        }
    }

    private func mark(_ roots: [GCResource], parents: [String: String?]) throws -> Set<GCResource> {
        var marked = Set<GCResource>()
        var queue = roots
        while let next = queue.popLast() {
            guard marked.insert(next).inserted else { continue }
            queue += try metadata.references(from: next)
            if case .snapshot(let key) = next, let parent = parents[key] ?? nil {
                queue.append(.snapshot(parent))
            }
        }
        return marked
    }
}
