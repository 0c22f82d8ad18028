import BerthImages
import BerthOCI
import BerthTestSupport
import XCTest

/// push: pulled from one registry, pushed to another, pulled back.
final class PushTests: XCTestCase {
    func testPushToAnotherRegistryAndPullBack() async throws {
        try requireRoot()
        try requireRegistry()
        let source = try TestRegistry.start(mode: .plain, images: ["layers"])
        defer { source.stop() }
        let target = try TestRegistry.start(mode: .token, images: [])
        defer { target.stop() }
        let service = try makeService(self, registry: target)
        let image = try await service.pull("\(source.host)/layers:latest")
        try service.tag(image.id.description, as: "\(target.host)/pushed/layers:v1")
        let log = ProgressLog()
        let digest = try await service.push("\(target.host)/pushed/layers:v1", progress: log.handler)
        XCTAssertEqual(digest, image.manifestDescriptor.digest, "the manifest is pushed as stored")
        XCTAssertEqual(log.events.filter { $0.status == PullProgress.pushed }.count, 12)
        XCTAssertTrue(try service.image(image.id.description).repoDigests.contains("\(target.host)/pushed/layers@\(digest)"))

        // Pushing again sends nothing new.
        let again = ProgressLog()
        try await service.push("\(target.host)/pushed/layers:v1", progress: again.handler)
        XCTAssertEqual(again.events.filter { $0.status == PullProgress.layerAlreadyExists }.count, 12)

        let fresh = try makeService(self, registry: target)
        let pulled = try await fresh.pull("\(target.host)/pushed/layers:v1")
        XCTAssertEqual(pulled.id, image.id)
        XCTAssertEqual(pulled.chainIDs, image.chainIDs)
        await assertBerthError(.notFound, contains: "does not exist locally") { try await service.push("\(target.host)/nothing:here") }
    }
}
