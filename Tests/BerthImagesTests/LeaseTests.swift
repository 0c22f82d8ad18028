import BerthImages
import BerthOCI
import BerthStore
import BerthTestSupport
import Foundation
import XCTest

/// Garbage collection running while a pull is in flight takes nothing the
/// pull needs: its lease holds the blobs and snapshots so far.
final class LeaseTests: XCTestCase {
    func testGarbageCollectionDuringAPullKeepsWhatThePullHas() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["big"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let store = service.store
        let pull = Task { try await service.pull("\(registry.host)/big:latest") }

        // Collect (snapshots too) as often as possible until the pull ends.
        var collections = 0
        var sawLease = false
        let collector = Task.detached { () -> (Int, Bool) in
            var count = 0, leased = false
            while true {
                if !(try store.metadata.leases().isEmpty) { leased = true }
                let report = try store.collectGarbage(snapshots: true)
                XCTAssertTrue(report.removedSnapshots.isEmpty, "GC removed \(report.removedSnapshots) during the pull")
                XCTAssertTrue(report.removedContent.isEmpty, "GC removed \(report.removedContent) during the pull")
                count += 1
                if try !store.metadata.images().isEmpty { return (count, leased) }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        let image = try await pull.value
        (collections, sawLease) = try await collector.value
        XCTAssertGreaterThan(collections, 3)
        XCTAssertTrue(sawLease, "the pull held a lease while it ran")
        XCTAssertTrue(try store.metadata.leases().isEmpty, "the lease ends with the pull")
        XCTAssertEqual(try store.snapshotter.list().filter { $0.kind == .committed }.count, 5)
        XCTAssertTrue(try store.fsck().isClean)
        // And after it, the image keeps everything alive.
        let report = try store.collectGarbage(snapshots: true)
        XCTAssertEqual(report.removedSnapshots, [])
        XCTAssertTrue(try service.history(image.id.description).count == 5)
    }
}
