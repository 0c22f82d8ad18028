import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import BerthTestSupport
import Foundation
import XCTest

/// tag / rmi with docker's rules, and garbage collection freeing layers.
final class RemoveTests: XCTestCase {
    func testTagUntagAndRemoveLikeDocker() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox", "layers"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let image = try await service.pull("\(registry.host)/busybox:amd64")
        let layers = try await service.pull("\(registry.host)/layers:latest")
        try service.tag("\(registry.host)/busybox:amd64", as: "mine")
        try service.tag(image.id.short, as: "other/repo:v2")
        XCTAssertEqual(try service.image("mine").repoTags, ["\(registry.host)/busybox:amd64", "mine:latest", "other/repo:v2"])
        XCTAssertEqual(try service.image("docker.io/library/mine:latest").id, image.id)

        // Several repositories: removing by ID needs force.
        await assertBerthError(.conflict, contains: "referenced in multiple repositories") { try service.remove(image.id.short) }
        // Untagging while other tags remain keeps the image.
        XCTAssertEqual(try service.remove("mine"), [.untagged("mine:latest")])
        XCTAssertEqual(try service.remove("other/repo:v2"), [.untagged("other/repo:v2")])
        XCTAssertEqual(try service.image(image.id.description).repoTags, ["\(registry.host)/busybox:amd64"])

        // In use by a container: refused, then forced.
        _ = try service.prepareRootfs(image: image.id.description, containerKey: "ctr-1")
        await assertBerthError(.conflict, contains: "container ctr-1 is using its referenced image") {
            try service.remove("\(registry.host)/busybox:amd64")
        }
        try service.removeRootfs(containerKey: "ctr-1")

        // The last tag: the digest name goes too, the image is deleted, but
        // the busybox layer stays because layers:latest shares it.
        let removed = try service.remove("\(registry.host)/busybox:amd64")
        XCTAssertEqual(removed.last, .deleted(image.id))
        XCTAssertTrue(removed.contains(.untagged("\(registry.host)/busybox@\(registry.images["busybox:amd64"]!)")))
        await assertBerthError(.notFound, contains: "No such image") { try service.image(image.id.description) }
        XCTAssertFalse(service.store.content.exists(image.manifestDescriptor.digest), "GC freed the manifest")
        XCTAssertFalse(service.store.content.exists(image.id), "GC freed the config")
        XCTAssertEqual(try service.store.snapshotter.stat(image.chainIDs[0].description).kind, .committed, "a shared layer stays")

        // Removing the last image frees every layer.
        _ = try service.remove(layers.id.description)
        XCTAssertEqual(try service.store.snapshotter.list(), [])
        XCTAssertEqual(try service.store.content.list().map(\.digest), [])
        XCTAssertEqual(try service.images(), [])
        XCTAssertTrue(try service.store.fsck().isClean)
    }

    func testRetaggedPullLeavesOldImageDangling() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox", "layers"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let first = try await service.pull("\(registry.host)/busybox:amd64")
        try service.tag(first.id.description, as: "app:current")
        let second = try await service.pull("\(registry.host)/layers:latest")
        try service.tag(second.id.description, as: "app:current")
        // first keeps its registry names; app:current moved.
        XCTAssertEqual(try service.image("app:current").id, second.id)
        XCTAssertEqual(try service.image(first.id.description).repoTags, ["\(registry.host)/busybox:amd64"])
        _ = try service.remove("\(registry.host)/layers:latest")
        XCTAssertEqual(try service.image("app:current").id, second.id, "another tag keeps the image")
        await assertBerthError(.notFound, contains: "No such image: nope") { try service.remove("nope") }
        await assertBerthError(.invalidArgument, contains: "digest") { try service.tag("app:current", as: "x@sha256:" + String(repeating: "a", count: 64)) }
    }

    func testHistoryAndListSizes() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["layers"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let image = try await service.pull("\(registry.host)/layers:latest")
        let history = try service.history(image.id.short)
        XCTAssertEqual(history.count, 12)
        XCTAssertEqual(history.first?.Id, image.id.description)
        XCTAssertEqual(history.dropFirst().map(\.Id), Array(repeating: "<missing>", count: 11))
        XCTAssertEqual(history.first?.Created, 1_704_067_200, "2024-01-01T00:00:00Z")
        XCTAssertEqual(history.last?.CreatedBy, "berth tests/fixtures/images.py")
        let summary = try XCTUnwrap(service.images().first)
        XCTAssertEqual(summary.Size, history.reduce(0) { $0 + $1.Size })
        XCTAssertEqual(summary.Labels, ["berth.fixture": "layers"])
        XCTAssertEqual(summary.Created, 1_704_067_200)
    }
}
