@testable import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import Foundation
import XCTest

/// `ImageService.commit`: a snapshot's upper directory on a parent image
/// becomes a layer and an image; empty diffs add no layer; the build cache
/// records name images without showing them in the list.
final class CommitTests: XCTestCase {
    func testCommitAddsALayerKeepsOrConsumesTheSnapshotAndSkipsEmptyDiffs() async throws {
        try requireRoot()
        let service = try makeService(self)
        let base = try await service.commit(snapshot: nil, parent: nil,
                                            ImageCommit(config: ContainerConfig(env: ["A=1"], cmd: ["sh"]),
                                                        history: .init(createdBy: "base"), names: ["base"]))
        XCTAssertEqual(base.config.rootfs.diffIDs, [])
        XCTAssertEqual(base.config.history?.map(\.emptyLayer), [true])

        // A container's upper directory that lives on: committed, kept.
        _ = try service.store.snapshotter.prepare("live", parent: nil)
        let upper = try service.store.snapshotter.directory("live")
        try FileManager.default.createDirectory(atPath: upper + "/etc", withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: upper + "/etc/greeting"))
        let committed = try await service.commit(snapshot: "live", parent: base,
                                                 ImageCommit(config: ContainerConfig(cmd: ["cat", "/etc/greeting"]),
                                                             history: .init(createdBy: "write greeting"), names: ["greeted:v1"]))
        XCTAssertEqual(committed.config.rootfs.diffIDs.count, 1)
        XCTAssertEqual(committed.config.history?.map(\.createdBy), ["base", "write greeting"])
        XCTAssertEqual(committed.config.history?.last?.emptyLayer, nil)
        XCTAssertEqual(committed.config.config?.cmd, ["cat", "/etc/greeting"])
        XCTAssertEqual(try service.image("greeted:v1").id, committed.id)
        XCTAssertNoThrow(try service.store.snapshotter.stat("live"), "without consume the snapshot stays")
        try withImageView(self, service, committed) { root in
            XCTAssertEqual(try String(contentsOfFile: root + "/etc/greeting", encoding: .utf8), "hello\n")
        }

        // A build step's snapshot: consumed; an empty one adds no layer.
        _ = try service.store.snapshotter.prepare("step", parent: committed.chainIDs.last?.description)
        let empty = try await service.commit(snapshot: "step", parent: committed,
                                             ImageCommit(config: committed.config.config, history: .init(createdBy: "nothing")),
                                             consume: true)
        XCTAssertEqual(empty.config.rootfs.diffIDs, committed.config.rootfs.diffIDs)
        XCTAssertEqual(empty.config.history?.last?.emptyLayer, true)
        XCTAssertThrowsError(try service.store.snapshotter.stat("step"))

        // Cache records hide an image from the list until something names it.
        let key = try Digest(parsing: "sha256:" + String(repeating: "e", count: 64))
        try service.recordBuildCache(key: key, image: empty)
        XCTAssertEqual(try service.buildCacheImage(key: key)?.id, empty.id)
        XCTAssertFalse(try service.images().contains { $0.Id == empty.id.description })
        XCTAssertTrue(try service.images(intermediate: true).contains { $0.Id == empty.id.description })
        let pruned = try service.pruneBuildCache()
        XCTAssertEqual(pruned.entries, [key.hex])
        XCTAssertNil(try service.buildCacheImage(key: key))
        XCTAssertEqual(try service.image("greeted:v1").id, committed.id, "named images stay")
    }
}
