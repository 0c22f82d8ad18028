import XCTest
import Foundation
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem

final class MetadataTests: XCTestCase {
    func descriptor(_ seed: String) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: DigestHasher.digest(of: Array(seed.utf8)), size: 123,
                   annotations: ["org.opencontainers.image.ref.name": seed])
    }

    func testImagesCRUDSurvivesReopen() throws {
        let path = "\(try makeTempDir(self))/metadata.db"
        do {
            let metadata = try Metadata(path: path)
            try metadata.putImage(name: "docker.io/library/alpine:3.20", target: descriptor("a"), labels: ["k": "v"])
            try metadata.putImage(name: "docker.io/library/alpine:latest", target: descriptor("a"))
        }
        let metadata = try Metadata(path: path)
        let image = try metadata.image("docker.io/library/alpine:3.20")
        XCTAssertEqual(image.target, descriptor("a"))
        XCTAssertEqual(image.labels, ["k": "v"])
        XCTAssertEqual(try metadata.images().map(\.name), ["docker.io/library/alpine:3.20", "docker.io/library/alpine:latest"])
        XCTAssertEqual(try metadata.images(target: descriptor("a").digest).count, 2)

        // Retagging keeps createdAt, moves updatedAt and the target.
        Thread.sleep(forTimeInterval: 0.01)
        try metadata.putImage(name: "docker.io/library/alpine:3.20", target: descriptor("b"))
        let moved = try metadata.image("docker.io/library/alpine:3.20")
        XCTAssertEqual(moved.target.digest, descriptor("b").digest)
        XCTAssertEqual(moved.createdAt, image.createdAt)
        XCTAssertGreaterThan(moved.updatedAt, image.updatedAt)
        XCTAssertEqual(moved.labels, [:])

        try metadata.deleteImage("docker.io/library/alpine:3.20")
        assertBerthError(.notFound, contains: "image docker.io/library/alpine:3.20 not found") {
            _ = try metadata.image("docker.io/library/alpine:3.20")
        }
        assertBerthError(.notFound, contains: "not found") { try metadata.deleteImage("nope") }
    }

    func testReferencesAndContentLabels() throws {
        let metadata = try Metadata(path: "\(try makeTempDir(self))/metadata.db")
        let manifest = descriptor("m").digest, config = descriptor("c").digest, layer = descriptor("l").digest
        try metadata.addReferences(from: .content(manifest), to: [.content(config), .content(layer), .content(layer)])
        XCTAssertEqual(Set(try metadata.references(from: .content(manifest))), [.content(config), .content(layer)])
        try metadata.setContentLabel(layer, key: "containerd.io/uncompressed", value: config.description)
        XCTAssertEqual(try metadata.contentLabels(layer), ["containerd.io/uncompressed": config.description])
        try metadata.setContentLabel(layer, key: "containerd.io/uncompressed", value: nil)
        XCTAssertEqual(try metadata.contentLabels(layer), [:])
        try metadata.removeReferences(from: .content(manifest))
        XCTAssertEqual(try metadata.references(from: .content(manifest)), [])
    }

    func testLeasesHoldResourcesUntilDeleted() throws {
        let metadata = try Metadata(path: "\(try makeTempDir(self))/metadata.db")
        try metadata.createLease(id: "pull-1")
        assertBerthError(.conflict, contains: "lease pull-1 already exists") { try metadata.createLease(id: "pull-1") }
        try metadata.addLeaseResource("pull-1", .content(descriptor("x").digest))
        try metadata.addLeaseResource("pull-1", .snapshot("sha256:chain"))
        XCTAssertEqual(try metadata.leases().first?.resources.count, 2)
        assertBerthError(.notFound, contains: "lease gone not found") { try metadata.addLeaseResource("gone", .snapshot("s")) }
        try metadata.deleteLease("pull-1")
        XCTAssertEqual(try metadata.leases(), [])
    }

    func testSnapshotRowsEnforceParentsAndChildren() throws {
        let metadata = try Metadata(path: "\(try makeTempDir(self))/metadata.db")
        _ = try metadata.insertSnapshot(key: "a-active", parent: nil, kind: .active, link: "L1", labels: [:])
        assertBerthError(.invalidArgument, contains: "parent snapshot a-active is active, not committed") {
            _ = try metadata.insertSnapshot(key: "b", parent: "a-active", kind: .active, link: "L2", labels: [:])
        }
        let a = try metadata.commitSnapshot(key: "a-active", name: "a", labels: ["l": "1"])
        XCTAssertEqual(a.kind, .committed)
        let b = try metadata.insertSnapshot(key: "b", parent: "a", kind: .active, link: "L2", labels: [:])
        XCTAssertEqual(b.parentKey, "a")
        assertBerthError(.conflict, contains: "snapshot a has children: b") { try metadata.deleteSnapshot(a) }
        assertBerthError(.conflict, contains: "snapshot b already exists") {
            _ = try metadata.insertSnapshot(key: "b", parent: nil, kind: .active, link: "L3", labels: [:])
        }
        try metadata.deleteSnapshot(b)
        try metadata.deleteSnapshot(a)
        XCTAssertEqual(try metadata.snapshotRecords(), [])
    }
}
