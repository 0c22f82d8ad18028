import XCTest
@testable import BerthOCI
@testable import BerthRegistry
@testable import BerthSystem

/// Pure decisions of the client: error mapping, redirects, insecure hosts, endpoints.
final class RegistryRulesTests: XCTestCase {
    func body(_ code: String, _ message: String) -> [UInt8] {
        Array(#"{"errors":[{"code":"\#(code)","message":"\#(message)","detail":{}}]}"#.utf8)
    }

    func testErrorsUseDockersWordsAndKeepTheRegistryMessage() throws {
        let ref = try Reference(parsing: "busybox:nosuch")
        let notFound = BerthError.registry(status: 404, body: body("MANIFEST_UNKNOWN", "manifest unknown"), operation: .manifest(ref), url: "u")
        XCTAssertEqual(notFound.code, .notFound)
        XCTAssertEqual(notFound.message, "manifest for busybox:nosuch not found: manifest unknown: manifest unknown")

        let denied = BerthError.registry(status: 401, body: body("UNAUTHORIZED", "authentication required"), operation: .pull(ref), url: "u")
        XCTAssertEqual(denied.code, .unauthorized)
        XCTAssertEqual(denied.message, "pull access denied for busybox, repository does not exist or may require 'docker login': unauthorized: authentication required")

        let noRepo = BerthError.registry(status: 404, body: body("NAME_UNKNOWN", "repository name not known to registry"), operation: .manifest(ref), url: "u")
        XCTAssertTrue(noRepo.message.hasPrefix("pull access denied for busybox"))

        XCTAssertEqual(BerthError.registry(status: 403, body: body("DENIED", "requested access to the resource is denied"), operation: .push(ref), url: "u").code, .forbidden)
        XCTAssertEqual(BerthError.registry(status: 429, body: body("TOOMANYREQUESTS", "slow down"), operation: .pull(ref), url: "u").code, .resourceExhausted)
        XCTAssertEqual(BerthError.registry(status: 503, body: Array("<html>down</html>".utf8), operation: .pull(ref), url: "u").code, .unavailable)
        XCTAssertTrue(BerthError.registry(status: 502, body: [], operation: .other("x"), url: "u").message.contains("HTTP status 502"))
        let blob = BerthError.registry(status: 404, body: body("BLOB_UNKNOWN", "blob unknown to registry"), operation: .blob(ref, try Digest(algorithm: .sha256, hex: String(repeating: "a", count: 64))), url: "u")
        XCTAssertEqual(blob.code, .notFound)
        XCTAssertTrue(blob.message.contains("blob unknown to registry"))
    }

    func testAuthorizationIsDroppedOnlyAcrossHostsOrSchemes() {
        XCTAssertFalse(RegistryClient.shouldDropAuthorization(from: "https://r.io/v2/a/blobs/x", to: "https://r.io/v2/b"))
        XCTAssertTrue(RegistryClient.shouldDropAuthorization(from: "https://r.io/v2/a/blobs/x", to: "https://s3.amazonaws.com/bucket/x?sig=1"))
        XCTAssertTrue(RegistryClient.shouldDropAuthorization(from: "https://r.io:5000/v2/", to: "https://r.io:5001/v2/"))
        XCTAssertTrue(RegistryClient.shouldDropAuthorization(from: "https://r.io/v2/", to: "http://r.io/v2/"))
    }

    func testLocationResolution() {
        XCTAssertEqual(RegistryClient.resolve("/v2/x/blobs/uploads/u?_state=1", against: "http://h:5000/v2/x/blobs/uploads/"),
                       "http://h:5000/v2/x/blobs/uploads/u?_state=1")
        XCTAssertEqual(RegistryClient.resolve("https://cdn/x", against: "https://h/v2/"), "https://cdn/x")
        XCTAssertEqual(RegistryClient.resolve("//cdn/x", against: "https://h/v2/"), "https://cdn/x")
        XCTAssertEqual(RegistryClient.resolve("y", against: "https://h/a/b?q"), "https://h/a/y")
    }

    func testLoopbackIsInsecureByDefaultAsDockerd() {
        let config = RegistryConfiguration(insecureRegistries: ["myreg:5000", "10.1.0.0/16"], credentials: nil)
        XCTAssertTrue(config.isInsecure("127.0.0.1:5000"))
        XCTAssertTrue(config.isInsecure("127.9.9.9"))
        XCTAssertTrue(config.isInsecure("localhost:5000"))
        XCTAssertTrue(config.isInsecure("myreg:5000"))
        XCTAssertTrue(config.isInsecure("10.1.200.3:443"))
        XCTAssertFalse(config.isInsecure("10.2.0.1"))
        XCTAssertFalse(config.isInsecure("myreg:5001"))
        XCTAssertFalse(config.isInsecure("registry-1.docker.io"))
    }

    func testMirrorsServeDockerHubPullsOnly() {
        let config = RegistryConfiguration(mirrors: ["https://mirror.example.com/", "http://10.0.0.5:5000"], credentials: nil)
        XCTAssertEqual(config.endpoints(for: "docker.io", push: false).map(\.base),
                       ["https://mirror.example.com", "http://10.0.0.5:5000", "https://registry-1.docker.io"])
        XCTAssertEqual(config.endpoints(for: "docker.io", push: true).map(\.base), ["https://registry-1.docker.io"])
        XCTAssertEqual(config.endpoints(for: "quay.io", push: false).map(\.base), ["https://quay.io"])
    }

    func testCertsDirectoryProblemsAreNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-certs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/h:1", withIntermediateDirectories: true)
        try "not pem".write(toFile: dir + "/h:1/ca.crt", atomically: true, encoding: .utf8)
        let config = RegistryConfiguration(certsDirectory: dir, credentials: nil)
        XCTAssertThrowsError(try config.tlsConfiguration(for: "h:1", insecure: false)) { XCTAssertTrue("\($0)".contains("ca.crt")) }
        try FileManager.default.removeItem(atPath: dir + "/h:1/ca.crt")
        try "x".write(toFile: dir + "/h:1/client.cert", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try config.tlsConfiguration(for: "h:1", insecure: false)) { XCTAssertTrue("\($0)".contains("client.key")) }
        XCTAssertNoThrow(try config.tlsConfiguration(for: "absent:1", insecure: false))
    }
}
