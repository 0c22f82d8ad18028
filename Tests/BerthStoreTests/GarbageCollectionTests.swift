import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem

final class GarbageCollectionTests: XCTestCase {
    func put(_ store: Store, _ text: String) throws -> Digest {
        try store.content.write(Array(text.utf8), mediaType: MediaType.ociLayer).digest
    }

    func committed(_ store: Store, _ name: String, parent: String? = nil) throws {
        _ = try store.snapshotter.prepare(name + "-tmp", parent: parent)
        try store.snapshotter.commit(name: name, key: name + "-tmp")
    }

    func testCollectsWhatNoImageLeaseOrSnapshotReaches() throws {
        let store = try Store(root: try makeTempDir(self, "gc"))
        let manifest = try put(store, "manifest"), config = try put(store, "config"), layer = try put(store, "layer")
        let orphan = try put(store, "orphan"), leased = try put(store, "leased"), expired = try put(store, "expired")
        let snapshotLabelled = try put(store, "exported-by-a-snapshot")

        try store.metadata.putImage(name: "app:1", target: Descriptor(mediaType: MediaType.ociManifest, digest: manifest, size: 8))
        try store.metadata.addReferences(from: .content(manifest), to: [.content(config), .content(layer)])
        try committed(store, "chain-base")
        try committed(store, "chain-top", parent: "chain-base")
        try store.metadata.addReference(from: .content(config), to: .snapshot("chain-top"))
        try store.metadata.addReference(from: .snapshot("chain-base"), to: .content(snapshotLabelled))
        try committed(store, "old-base")
        try committed(store, "old-top", parent: "old-base")
        try committed(store, "kept-parent")
        _ = try store.snapshotter.prepare("container", parent: "kept-parent")

        try store.metadata.createLease(id: "pull")
        try store.metadata.addLeaseResource("pull", .content(leased))
        try store.metadata.createLease(id: "stale", expiresAt: Date(timeIntervalSinceNow: -60))
        try store.metadata.addLeaseResource("stale", .content(expired))

        let first = try store.collectGarbage()
        XCTAssertEqual(Set(first.removedContent), [orphan, expired])
        XCTAssertEqual(first.expiredLeases, ["stale"])
        XCTAssertEqual(first.reclaimedBytes, Int64("orphan".count + "expired".count))
        XCTAssertEqual(first.removedSnapshots, [], "snapshots are kept unless asked")
        XCTAssertEqual(Set(try store.content.list().map(\.digest)), [manifest, config, layer, leased, snapshotLabelled])

        let second = try store.collectGarbage(snapshots: true)
        XCTAssertEqual(second.removedSnapshots, ["old-top", "old-base"], "children go before parents")
        XCTAssertEqual(Set(try store.snapshotter.list().map(\.key)), ["chain-base", "chain-top", "kept-parent", "container"])

        // Untagging the image and ending the lease frees the rest.
        try store.metadata.deleteImage("app:1")
        try store.metadata.deleteLease("pull")
        let third = try store.collectGarbage(snapshots: true)
        XCTAssertEqual(Set(third.removedContent), [manifest, config, layer, leased, snapshotLabelled])
        XCTAssertEqual(Set(third.removedSnapshots), ["chain-top", "chain-base"])
        XCTAssertEqual(try store.content.list(), [])
        XCTAssertEqual(Set(try store.snapshotter.list().map(\.key)), ["kept-parent", "container"], "a container's layers stay")
        XCTAssertEqual(try store.metadata.references(from: .content(manifest)), [])
        XCTAssertTrue(try store.fsck().isClean)
    }

    func testFsckFindsOrphansCorruptionAndMissingParents() throws {
        let root = try makeTempDir(self, "fsck")
        let store = try Store(root: root)
        XCTAssertTrue(try store.fsck().isClean)

        // An abandoned ingest, one for a blob that exists, and a live one.
        let bytes = Array("partial content".utf8)
        let abandoned = try store.content.writer(ref: "abandoned", expected: DigestHasher.digest(of: bytes), size: Int64(bytes.count))
        try abandoned.write(bytes[0..<4])
        abandoned.close()
        let done = try put(store, "done")
        let duplicate = try store.content.writer(ref: "dup", expected: DigestHasher.digest(of: Array("x".utf8)), size: 1)
        duplicate.close()
        try Durable.writeFile(root + "/content/ingest/dup/expected", Array("\(done) 4\n".utf8))
        let live = try store.content.writer(ref: "live", expected: DigestHasher.digest(of: bytes), size: Int64(bytes.count))

        // A blob whose bytes changed on disk, and a stray file.
        let corrupt = try put(store, "will rot")
        chmod(store.content.path(corrupt), 0o644)
        try "will r0t".write(toFile: store.content.path(corrupt), atomically: false, encoding: .utf8)
        try "junk".write(toFile: root + "/content/blobs/sha256/not-a-digest", atomically: false, encoding: .utf8)

        // A snapshot whose parent row vanished, and a directory nobody owns.
        try committed(store, "base")
        try committed(store, "child", parent: "base")
        try store.metadata.database.execute("PRAGMA foreign_keys=OFF; DELETE FROM snapshots WHERE key = 'base'; PRAGMA foreign_keys=ON;")
        try FileManager.default.createDirectory(atPath: root + "/snapshots/new-CRASHED/fs", withIntermediateDirectories: true)

        let report = try store.fsck(staleIngestAge: 3600, now: Date(timeIntervalSinceNow: 7200))
        XCTAssertEqual(report.orphanIngests, ["abandoned", "dup"], "the live ingest is left alone")
        XCTAssertEqual(report.corruptBlobs, [corrupt])
        XCTAssertEqual(report.strayBlobFiles, ["sha256/not-a-digest"])
        XCTAssertEqual(report.snapshotsMissingParent, ["child"])
        XCTAssertTrue(report.orphanSnapshotFiles.contains("new-CRASHED"))
        XCTAssertTrue(report.orphanSnapshotFiles.contains("1"), "the deleted row's directory: \(report.orphanSnapshotFiles)")

        // Fresh ingests are not stale yet.
        XCTAssertEqual(try store.fsck().orphanIngests, ["dup"])

        let repaired = try store.fsck(repair: true, staleIngestAge: 3600, now: Date(timeIntervalSinceNow: 7200))
        XCTAssertEqual(repaired.corruptBlobs, [corrupt])
        let after = try store.fsck(staleIngestAge: 3600, now: Date(timeIntervalSinceNow: 7200))
        XCTAssertEqual(after.orphanIngests, [])
        XCTAssertEqual(after.corruptBlobs, [])
        XCTAssertEqual(after.orphanSnapshotFiles, [])
        XCTAssertEqual(after.snapshotsMissingParent, ["child"], "rows are reported, never silently dropped")
        XCTAssertFalse(store.content.exists(corrupt))
        XCTAssertEqual(try store.content.ingests(), ["live"])
        live.close()
    }
}
