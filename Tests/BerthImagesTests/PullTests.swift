import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import BerthTestSupport
import Foundation
import XCTest

/// Pulls from Debian's docker-registry (tests/fixtures) into a real store
/// on disk: SQLite metadata, overlay snapshots, verified blobs.
final class PullTests: XCTestCase {
    func pullBusybox(_ mode: TestRegistry.Mode) async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: mode)
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let log = ProgressLog()
        let image = try await service.pull("\(registry.host)/busybox:latest", platform: Platform(os: "linux", architecture: "amd64"),
                                           progress: log.handler)

        // docker inspect's identity: the config digest, the tag, the index digest.
        let info = try service.inspect("\(registry.host)/busybox")
        XCTAssertEqual(info.Id, image.id.description)
        XCTAssertEqual(info.RepoTags, ["\(registry.host)/busybox:latest"])
        XCTAssertEqual(info.RepoDigests, ["\(registry.host)/busybox@\(registry.images["busybox:latest"]!)"])
        XCTAssertEqual(info.Architecture, "amd64")
        XCTAssertEqual(info.Os, "linux")
        XCTAssertEqual(info.Config?.cmd, ["sh"])
        XCTAssertEqual(info.Created, "2024-01-01T00:00:00Z")
        XCTAssertEqual(info.RootFS.Layers.count, 1)
        XCTAssertGreaterThan(info.Size, 1_000_000, "busybox unpacks to more than 1 MB")
        XCTAssertEqual(image.manifestDescriptor.digest.description, registry.images["busybox:amd64"])

        let layer = image.manifest.layers[0].digest.short
        XCTAssertEqual(log.statuses(for: layer).first, PullProgress.pullingFsLayer)
        XCTAssertTrue(log.statuses(for: layer).contains(PullProgress.downloading))
        XCTAssertEqual(log.statuses(for: layer).last, PullProgress.pullComplete)
        XCTAssertEqual(log.events.last?.status, "Status: Downloaded newer image for \(registry.host)/busybox:latest")

        // The blob stays (push and save need it); the layer is unpacked.
        XCTAssertTrue(service.store.content.exists(image.manifest.layers[0].digest))
        try withImageView(self, service, image) { root in
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: root + "/bin/busybox"))
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh"), "busybox")
            XCTAssertEqual(try String(contentsOfFile: root + "/etc/group", encoding: .utf8), "root:x:0:\nnogroup:x:65534:\n")
            let mode = (try FileManager.default.attributesOfItem(atPath: root + "/tmp")[.posixPermissions] as? Int) ?? 0
            XCTAssertEqual(mode & 0o7777, 0o1777)
        }

        // Pulled again: nothing is fetched, docker's wording.
        let again = ProgressLog()
        try await service.pull("\(registry.host)/busybox:latest", platform: Platform(os: "linux", architecture: "amd64"), progress: again.handler)
        XCTAssertEqual(again.statuses(for: layer), [PullProgress.alreadyExists])
        XCTAssertEqual(again.events.last?.status, "Status: Image is up to date for \(registry.host)/busybox:latest")
        XCTAssertTrue(try service.store.fsck().isClean)
    }

    func testPullOverPlainHTTP() async throws { try await pullBusybox(.plain) }
    func testPullOverTLSWithCertsDirectory() async throws { try await pullBusybox(.tls) }
    func testPullWithBasicAuth() async throws { try await pullBusybox(.basic) }
    func testPullWithTokenAuth() async throws { try await pullBusybox(.token) }

    func testWrongPasswordIsUnauthorized() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .basic, images: ["busybox"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        service.credentials[registry.host] = .init(username: "berth", password: "wrong")
        await assertBerthError(.unauthorized, contains: "unauthorized") { try await service.pull("\(registry.host)/busybox:amd64") }
        XCTAssertTrue(try service.store.metadata.images().isEmpty)
    }

    func testSharedLayersAreReusedAcrossImages() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, accessLog: true)
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let busybox = try await service.pull("\(registry.host)/busybox:amd64")
        let log = ProgressLog()
        let layers = try await service.pull("\(registry.host)/layers:latest", progress: log.handler)
        // layers:latest starts with the same busybox layer, as an OCI blob of equal bytes.
        XCTAssertEqual(layers.chainIDs.first, busybox.chainIDs.first)
        XCTAssertEqual(log.statuses(for: layers.manifest.layers[0].digest.short), [PullProgress.alreadyExists])
        let busyboxBlob = "/v2/busybox/blobs/\(busybox.manifest.layers[0].digest)"
        let layersBlob = "/v2/layers/blobs/\(layers.manifest.layers[0].digest)"
        let gets = try registry.accessLogRequests().filter { $0.method == "GET" }.map(\.path)
        XCTAssertEqual(gets.filter { $0 == busyboxBlob }.count, 1)
        XCTAssertEqual(gets.filter { $0 == layersBlob }.count, 0, "a layer already unpacked is not fetched again")
        XCTAssertEqual(try service.images().count, 2)
    }

    func testUnknownTagAndPlatformAreClearErrors() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        await assertBerthError(.notFound, contains: "nope") { try await service.pull("\(registry.host)/busybox:nope") }
        await assertBerthError(.notFound, contains: "linux/s390x") {
            try await service.pull("\(registry.host)/busybox:latest", platform: try Platform(parsing: "linux/s390x"))
        }
        await assertBerthError(.notFound, contains: "does not match the specified platform") {
            try await service.pull("\(registry.host)/busybox:amd64", platform: try Platform(parsing: "linux/arm64"))
        }
        XCTAssertTrue(try service.store.metadata.images().isEmpty)
        XCTAssertTrue(try service.store.metadata.leases().isEmpty, "a failed pull ends its lease")
    }
}
