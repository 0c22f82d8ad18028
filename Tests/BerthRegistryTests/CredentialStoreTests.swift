import XCTest
@testable import BerthRegistry
@testable import BerthSystem

final class CredentialStoreTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-creds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ json: String) throws -> CredentialStore {
        try json.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        return CredentialStore(path: dir + "/config.json")
    }

    func testReadsBase64AuthAndUsernamePasswordFields() throws {
        let store = try write("""
        {"auths":{
          "https://index.docker.io/v1/":{"auth":"\(Data("hubuser:hub:pass".utf8).base64EncodedString())"},
          "registry.example.com:5000":{"username":"alice","password":"s3cret"},
          "https://other.example.com/v2/":{"auth":"\(Data("bob:pw".utf8).base64EncodedString())"},
          "token.example.com":{"identitytoken":"refresh-me"}},
         "credsStore":"desktop","psFormat":"table {{.ID}}"}
        """)
        XCTAssertEqual(try store.credentials(for: "docker.io"), RegistryCredentials(username: "hubuser", password: "hub:pass"))
        XCTAssertEqual(try store.credentials(for: "registry.example.com:5000"), RegistryCredentials(username: "alice", password: "s3cret"))
        XCTAssertEqual(try store.credentials(for: "other.example.com"), RegistryCredentials(username: "bob", password: "pw"))
        XCTAssertEqual(try store.credentials(for: "token.example.com")?.username, "<token>")
        XCTAssertNil(try store.credentials(for: "nowhere.example.com"))
    }

    func testMissingFileMeansNoCredentialsAndBadFilesNameThePath() throws {
        XCTAssertNil(try CredentialStore(path: dir + "/absent/config.json").credentials(for: "docker.io"))
        let bad = try write("{not json")
        XCTAssertThrowsError(try bad.credentials(for: "docker.io")) { XCTAssertTrue("\($0)".contains(self.dir + "/config.json")) }
        let badAuth = try write(#"{"auths":{"h":{"auth":"!!!"}}}"#)
        XCTAssertThrowsError(try badAuth.credentials(for: "h")) { XCTAssertTrue("\($0)".contains("not base64")) }
    }

    func testStoreKeepsOtherFieldsAndRemoveDeletes() throws {
        let store = try write(#"{"auths":{"keep.example.com":{"auth":"a2VlcDprZWVw"}},"psFormat":"table","proxies":{"default":{"httpProxy":"x"}}}"#)
        try store.store(RegistryCredentials(username: "u", password: "p:w"), for: "docker.io")
        try store.store(RegistryCredentials(username: "v", password: "q"), for: "127.0.0.1:5000")
        let reread = CredentialStore(path: store.path)
        XCTAssertEqual(try reread.credentials(for: "docker.io"), RegistryCredentials(username: "u", password: "p:w"))
        XCTAssertEqual(try reread.credentials(for: "127.0.0.1:5000")?.username, "v")
        XCTAssertEqual(try reread.credentials(for: "keep.example.com")?.password, "keep")
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"https://index.docker.io/v1/\""), text)
        XCTAssertTrue(text.contains("psFormat") && text.contains("httpProxy"), text)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertTrue(try reread.remove(for: "docker.io"))
        XCTAssertFalse(try reread.remove(for: "docker.io"))
        XCTAssertNil(try reread.credentials(for: "docker.io"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["config.json"], "no temp files left")
    }

    func testStoreCreatesTheDirectory() throws {
        let store = CredentialStore(path: dir + "/new/config.json")
        try store.store(RegistryCredentials(username: "a", password: "b"), for: "r.example.com")
        XCTAssertEqual(try store.credentials(for: "r.example.com"), RegistryCredentials(username: "a", password: "b"))
    }

    func testDefaultPathFollowsDockerConfig() {
        XCTAssertEqual(CredentialStore.dockerDefault(environment: ["DOCKER_CONFIG": "/x"]).path, "/x/config.json")
        XCTAssertEqual(CredentialStore.dockerDefault(environment: ["HOME": "/home/u"]).path, "/home/u/.docker/config.json")
    }
}
