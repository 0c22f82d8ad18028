import XCTest
@testable import BerthOCI
@testable import BerthRegistry
@testable import BerthSystem
import BerthTestSupport

/// Pushes to Debian's docker-registry and pulls the result back.
final class RegistryPushTests: XCTestCase {
    func withRegistry(_ mode: TestRegistry.Mode, credentials: Bool = true,
                      _ body: (TestRegistry, RegistryClient) async throws -> Void) async throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: mode, images: ["busybox"])
        defer { registry.stop() }
        let client = RegistryClient(configuration: RegistryConfiguration(credentials: nil))
        if credentials, let user = registry.username, let password = registry.password {
            await client.setCredentials(RegistryCredentials(username: user, password: password), for: registry.host)
        }
        do { try await body(registry, client) } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// Deterministic bytes that differ per test (so no blob already exists).
    func blob(_ size: Int, seed: UInt8) -> ([UInt8], Digest) {
        var bytes = [UInt8](repeating: 0, count: size)
        var x = UInt32(seed) &* 2_654_435_761 | 1
        for i in bytes.indices { x ^= x << 13; x ^= x >> 17; x ^= x << 5; bytes[i] = UInt8(truncatingIfNeeded: x) }
        let hex = RegistryClient.sha256Hex(bytes)
        return (bytes, try! Digest(algorithm: .sha256, hex: hex))
    }

    func pull(_ client: RegistryClient, _ repo: Reference, _ digest: Digest) async throws -> [UInt8] {
        var sink = MemorySink()
        let result = try await client.fetchBlob(repo, digest: digest, into: &sink)
        XCTAssertTrue(result.verified)
        return sink.bytes
    }

    func testPushMonolithicAndChunkedBlobsThenManifestByTagAndDigest() async throws {
        for mode in [TestRegistry.Mode.plain, .token] {
            try await withRegistry(mode) { registry, client in
                let repo = try Reference(parsing: "\(registry.host)/pushed/app")
                let (layer, layerDigest) = blob(3 * 1024 * 1024 + 17, seed: 1)
                let (config, configDigest) = blob(2000, seed: 2)

                let absent = try await client.blobExists(repo, digest: layerDigest)
                XCTAssertNil(absent, "\(mode)")
                try await client.pushBlob(repo, digest: layerDigest, size: Int64(layer.count), from: BytesSource(layer),
                                          chunkSize: 1024 * 1024)
                try await client.pushBlob(repo, digest: configDigest, size: Int64(config.count), from: BytesSource(config))
                let layerSize = try await client.blobExists(repo, digest: layerDigest)
                XCTAssertEqual(layerSize, Int64(layer.count), "\(mode)")
                let pulledLayer = try await pull(client, repo, layerDigest)
                XCTAssertEqual(pulledLayer, layer, "\(mode): the chunked upload came back whole")
                let pulledConfig = try await pull(client, repo, configDigest)
                XCTAssertEqual(pulledConfig, config)

                let manifest = ImageManifest(
                    config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(config.count)),
                    layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: layerDigest, size: Int64(layer.count))])
                let bytes = Array(try JSONEncoder().encode(manifest))
                let tagged = try await client.pushManifest(repo.with(tag: "v1"), bytes: bytes, mediaType: MediaType.ociManifest)
                let byDigest = try await client.pushManifest(repo.with(digest: tagged), bytes: bytes, mediaType: MediaType.ociManifest)
                XCTAssertEqual(tagged, byDigest)

                let back = try await client.fetchManifest(repo.with(tag: "v1"))
                XCTAssertEqual(back.bytes, bytes)
                XCTAssertEqual(back.descriptor.digest, tagged)
                XCTAssertEqual(back.manifest, .image(manifest))
                let resolved = try await client.resolve(repo.with(digest: tagged))
                XCTAssertEqual(resolved.size, Int64(bytes.count))

                // Bytes that do not hash to the digest named are refused before sending.
                do {
                    try await client.pushManifest(repo.with(digest: layerDigest), bytes: bytes, mediaType: MediaType.ociManifest)
                    XCTFail("pushed a manifest under a digest it does not have")
                } catch let error as BerthError { XCTAssertEqual(error.code, .invalidArgument) }
            }
        }
    }

    func testCrossRepositoryMount() async throws {
        try await withRegistry(.token) { registry, client in
            let source = try Reference(parsing: "\(registry.host)/busybox")
            let target = try Reference(parsing: "\(registry.host)/mounted/busybox")
            let image = try await client.resolveImage(try Reference(parsing: "\(registry.host)/busybox:amd64"))
            let layer = try XCTUnwrap(image.image.layers.first)
            let before = try await client.blobExists(target, digest: layer.digest)
            XCTAssertNil(before)
            let mounted = try await client.mountBlob(target, digest: layer.digest, from: source)
            XCTAssertTrue(mounted)
            let after = try await client.blobExists(target, digest: layer.digest)
            XCTAssertEqual(after, layer.size)

            // A blob the source does not have cannot be mounted: false, not an error.
            let (_, missing) = blob(10, seed: 9)
            let missingMounted = try await client.mountBlob(target, digest: missing, from: source)
            XCTAssertFalse(missingMounted)
        }
    }

    func testAnonymousPushIsRefusedWithTheRegistrysMessage() async throws {
        try await withRegistry(.token, credentials: false) { registry, client in
            let repo = try Reference(parsing: "\(registry.host)/anonymous/app")
            let (bytes, digest) = blob(100, seed: 3)
            do {
                try await client.pushBlob(repo, digest: digest, size: 100, from: BytesSource(bytes))
                XCTFail("anonymous push accepted")
            } catch let error as BerthError {
                XCTAssertEqual(error.code, .unauthorized, "\(error)")
                XCTAssertTrue(error.message.hasPrefix("push access denied for \(registry.host)/anonymous/app"), error.message)
                XCTAssertTrue(error.message.contains("authentication required"), error.message)
            }
        }
    }
}
