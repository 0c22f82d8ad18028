import XCTest
@testable import BerthOCI
@testable import BerthRegistry
@testable import BerthSystem
import BerthTestSupport

/// Pulls from Debian's docker-registry in each mode (tests/fixtures/registry.py).
final class RegistryPullTests: XCTestCase {
    func withRegistry(_ mode: TestRegistry.Mode, credentials: Bool = true,
                      _ body: (TestRegistry, RegistryClient) async throws -> Void) async throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: mode)
        defer { registry.stop() }
        let client = RegistryClient(configuration: RegistryConfiguration(
            certsDirectory: registry.certsDirectory ?? "/nonexistent", credentials: nil))
        if credentials, let user = registry.username, let password = registry.password {
            await client.setCredentials(RegistryCredentials(username: user, password: password), for: registry.host)
        }
        do { try await body(registry, client) } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// Runs `body` with a client that is always shut down (AsyncHTTPClient requires it).
    func withClient(_ config: RegistryConfiguration, _ body: (RegistryClient) async throws -> Void) async throws {
        let client = RegistryClient(configuration: config)
        do { try await body(client) } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// Pulls busybox for amd64 through the index and checks every byte.
    func pullAndVerify(_ registry: TestRegistry, _ client: RegistryClient) async throws {
        let ref = try Reference(parsing: "\(registry.host)/busybox:latest")
        let resolved = try await client.resolve(ref)
        XCTAssertEqual(resolved.digest.description, registry.images["busybox:latest"])
        XCTAssertEqual(resolved.mediaType, MediaType.dockerManifestList)

        let image = try await client.resolveImage(ref, platform: PlatformMatcher(Platform(os: "linux", architecture: "amd64")))
        XCTAssertEqual(image.manifest.descriptor.digest.description, registry.images["busybox:amd64"])
        XCTAssertEqual(image.config.architecture, "amd64")
        XCTAssertEqual(image.config.config?.cmd, ["sh"])
        for layer in image.image.layers {
            var sink = MemorySink()
            let result = try await client.fetchBlob(ref.repository, digest: layer.digest, into: &sink)
            XCTAssertTrue(result.verified)
            XCTAssertEqual(result.bytesWritten, layer.size)
            XCTAssertEqual(sink.bytes, Array(try registry.layoutBlob(layer.digest.description)))
        }
    }

    func testPullOverPlainHTTP() async throws {
        try await withRegistry(.plain) { try await pullAndVerify($0, $1) }
    }

    func testPullOverTLSWithCertsDirCA() async throws {
        try await withRegistry(.tls) { registry, _ in
            // Verify the certificate (loopback would skip it, as in dockerd).
            var config = RegistryConfiguration(certsDirectory: try XCTUnwrap(registry.certsDirectory), credentials: nil)
            config.insecureLoopback = false
            try await withClient(config) { try await pullAndVerify(registry, $0) }

            // Without the CA in certs.d the same pull fails on the certificate.
            config.certsDirectory = "/nonexistent"
            try await withClient(config) { untrusting in
                do {
                    _ = try await untrusting.resolve(try Reference(parsing: "\(registry.host)/busybox:latest"))
                    XCTFail("trusted a certificate signed by an unknown CA")
                } catch let error as BerthError {
                    XCTAssertEqual(error.code, .unavailable, "\(error)")
                }
            }
        }
    }

    func testPullWithBasicAuth() async throws {
        try await withRegistry(.basic) { try await pullAndVerify($0, $1) }
    }

    func testPullWithTokenAuthAnonymouslyAndTokenCache() async throws {
        try await withRegistry(.token, credentials: false) { registry, client in
            try await pullAndVerify(registry, client)
            let fetches = await client.tokenFetchCount
            XCTAssertGreaterThan(fetches, 0)
            // Same repository again: served from the token cache.
            _ = try await client.resolve(try Reference(parsing: "\(registry.host)/busybox:amd64"))
            let after = await client.tokenFetchCount
            XCTAssertEqual(after, fetches, "a cached token is reused until it expires")
        }
    }

    func testIndexSelectsArm64AndOCIIndex() async throws {
        try await withRegistry(.plain) { registry, client in
            let arm64 = PlatformMatcher(Platform(os: "linux", architecture: "arm64", variant: "v8"))
            let image = try await client.resolveImage(try Reference(parsing: "\(registry.host)/busybox:latest"), platform: arm64)
            XCTAssertEqual(image.manifest.descriptor.digest.description, registry.images["busybox:arm64"])
            XCTAssertEqual(image.config.architecture, "arm64")
            XCTAssertEqual(image.index?.descriptor.digest.description, registry.images["busybox:latest"])

            let oci = try await client.resolveImage(try Reference(parsing: "\(registry.host)/busybox:oci"), platform: arm64)
            XCTAssertEqual(oci.manifest.manifest.mediaType, MediaType.ociManifest)
            XCTAssertEqual(oci.image.layers.first?.mediaType, MediaType.ociLayerGzip)
            XCTAssertEqual(oci.image.layers, image.image.layers.map { var l = $0; l.mediaType = MediaType.ociLayerGzip; return l })

            do {
                _ = try await client.resolveImage(try Reference(parsing: "\(registry.host)/busybox:latest"),
                                                  platform: PlatformMatcher(Platform(os: "linux", architecture: "s390x")))
                XCTFail("s390x has no manifest")
            } catch let error as BerthError {
                XCTAssertEqual(error.code, .notFound)
                XCTAssertTrue(error.message.contains("linux/amd64"), error.message)
            }
        }
    }

    func testManifestByDigestAndTwelveLayers() async throws {
        try await withRegistry(.plain) { registry, client in
            let digest = try Digest(parsing: try XCTUnwrap(registry.images["layers:latest"]))
            let fetched = try await client.fetchManifest(try Reference(parsing: "\(registry.host)/layers"), digest: digest)
            guard case .image(let m) = fetched.manifest else { return XCTFail("expected an image manifest") }
            XCTAssertEqual(m.layers.count, 12)
            XCTAssertEqual(fetched.bytes, Array(try registry.layoutBlob(digest.description)))
        }
    }

    func testResumeBlobFromOffset() async throws {
        try await withRegistry(.token) { registry, client in
            let repo = try Reference(parsing: "\(registry.host)/busybox")
            let image = try await client.resolveImage(try Reference(parsing: "\(registry.host)/busybox:amd64"))
            let layer = try XCTUnwrap(image.image.layers.first)
            let whole = Array(try registry.layoutBlob(layer.digest.description))
            let offset = Int64(whole.count / 3)
            var rest = MemorySink()
            let result = try await client.fetchBlob(repo, digest: layer.digest, offset: offset, into: &rest)
            XCTAssertEqual(result.bytesWritten, layer.size - offset)
            XCTAssertEqual(result.totalSize, layer.size)
            XCTAssertFalse(result.verified, "a resumed fetch cannot check the digest alone")
            XCTAssertEqual(rest.bytes, Array(whole[Int(offset)...]))
        }
    }

    func testUnknownTagIsNotFoundNamingTheReference() async throws {
        try await withRegistry(.plain) { registry, client in
            let ref = try Reference(parsing: "\(registry.host)/busybox:nosuch")
            do {
                _ = try await client.resolve(ref)
                XCTFail("resolved a tag that does not exist")
            } catch let error as BerthError {
                XCTAssertEqual(error.code, .notFound)
                XCTAssertTrue(error.message.contains("manifest for \(registry.host)/busybox:nosuch not found"), error.message)
                XCTAssertTrue(error.message.contains("manifest unknown"), error.message)
            }
            let blob = try Digest(algorithm: .sha256, hex: String(repeating: "0", count: 64))
            var sink = MemorySink()
            do {
                try await client.fetchBlob(ref.repository, digest: blob, into: &sink)
                XCTFail("fetched a blob that does not exist")
            } catch let error as BerthError {
                XCTAssertEqual(error.code, .notFound)
                XCTAssertTrue(error.message.contains("blob unknown"), error.message)
            }
        }
    }

    func testWrongPasswordIsUnauthorizedWithTheRegistrysMessage() async throws {
        for mode in [TestRegistry.Mode.basic, .token] {
            try await withRegistry(mode, credentials: false) { registry, client in
                await client.setCredentials(RegistryCredentials(username: "berth", password: "wrong"), for: registry.host)
                do {
                    _ = try await client.fetchManifest(try Reference(parsing: "\(registry.host)/busybox:latest"))
                    XCTFail("\(mode): pulled with a wrong password")
                } catch let error as BerthError {
                    XCTAssertEqual(error.code, .unauthorized, "\(mode): \(error)")
                    let expected = mode == .basic ? "authentication required" : "incorrect username or password"
                    XCTAssertTrue(error.message.contains(expected), "\(mode): \(error.message)")
                    XCTAssertTrue(error.message.contains("pull access denied for \(registry.host)/busybox"), error.message)
                }
                do {
                    try await client.checkLogin(domain: registry.host, credentials: RegistryCredentials(username: "berth", password: "wrong"))
                    XCTFail("\(mode): login accepted a wrong password")
                } catch let error as BerthError {
                    XCTAssertEqual(error.code, .unauthorized)
                }
                try await client.checkLogin(domain: registry.host, credentials: RegistryCredentials(username: registry.username!, password: registry.password!))
            }
        }
    }
}

/// The ~100 MB fixture image: layers stream to the sink, not into memory.
final class RegistryBigPullTests: XCTestCase {
    static func peakRSSKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    func testBigLayersStreamWithoutBuffering() async throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: .plain, images: ["big"])
        defer { registry.stop() }
        let client = RegistryClient(configuration: RegistryConfiguration(credentials: nil))
        do {
            let ref = try Reference(parsing: "\(registry.host)/big:latest")
            let image = try await client.resolveImage(ref)
            XCTAssertEqual(image.image.layers.count, 5)
            let fd = open("/dev/null", O_WRONLY)
            defer { close(fd) }
            let before = Self.peakRSSKiB()
            let start = ContinuousClock.now
            var total: Int64 = 0
            for layer in image.image.layers {
                var sink = FileDescriptorSink(fd: fd, path: "/dev/null")
                let result = try await client.fetchBlob(ref.repository, digest: layer.digest, into: &sink)
                XCTAssertTrue(result.verified)
                total += result.bytesWritten
            }
            let elapsed = ContinuousClock.now - start
            let growthMiB = (Self.peakRSSKiB() - before) / 1024
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("big pull: \(total) bytes in \(elapsed), \(Int(Double(total) / seconds / 1_048_576)) MiB/s, peak RSS growth \(growthMiB) MiB")
            XCTAssertGreaterThan(total, 100_000_000)
            XCTAssertLessThan(growthMiB, 20, "a 25 MiB layer must not be held in memory")
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
