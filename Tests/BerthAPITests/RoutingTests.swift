import BerthEngine
import NIOHTTP1
import XCTest

/// Ping, versions, errors and routing, over a real socket with a real client.
final class RoutingTests: XCTestCase {
    var server: TestServer!

    override func setUp() async throws { server = try await TestServer() }
    override func tearDown() async throws { try await server.stop() }

    func testPingAnswersGetAndHeadWithDockerdHeaders() async throws {
        let get = try await server.request(.GET, "/_ping")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.body, "OK")
        for name in ["API-Version", "Builder-Version", "Docker-Experimental", "OSType", "Cache-Control", "Pragma"] {
            XCTAssertNotNil(get.headers.first(name: name), "missing \(name)")
        }
        XCTAssertEqual(get.headers.first(name: "API-Version"), "1.50")
        XCTAssertEqual(get.headers.first(name: "OSType"), "linux")
        XCTAssertEqual(get.headers.first(name: "Server"), "Docker/28.2.2 (linux)")
        let head = try await server.request(.HEAD, "/v1.24/_ping")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, "")
        XCTAssertEqual(head.headers.first(name: "Cache-Control"), "no-cache, no-store, must-revalidate")
    }

    func testVersionPrefixesAreNegotiatedAsDockerd() async throws {
        let bare = try await server.request(.GET, "/version")
        XCTAssertEqual(bare.status, 200)
        XCTAssertEqual(try server.json(bare.body)["ApiVersion"] as? String, "1.50")
        let old = try await server.request(.GET, "/v1.24/containers/json")
        XCTAssertEqual(old.status, 200)
        // docker-compose 1.29 speaks 1.21 for version-1 compose files.
        let compose1 = try await server.request(.GET, "/v1.21/containers/json")
        XCTAssertEqual(compose1.status, 200)
        let tooNew = try await server.request(.GET, "/v1.99/version")
        XCTAssertEqual(tooNew.status, 400)
        XCTAssertEqual(try server.json(tooNew.body)["message"] as? String,
                       "client version 1.99 is too new. Maximum supported API version is 1.50")
        let tooOld = try await server.request(.GET, "/v1.11/version")
        XCTAssertEqual(tooOld.status, 400)
        XCTAssertEqual(try server.json(tooOld.body)["message"] as? String,
                       "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version")
        // "/volumes" starts with "/v" but carries no version.
        let volumes = try await server.request(.GET, "/volumes")
        XCTAssertEqual(volumes.status, 200)
    }

    func testUnknownRouteIs404AndWrongMethodIs405() async throws {
        let unknown = try await server.request(.GET, "/v1.50/nothing/here")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.headers.first(name: "Content-Type"), "application/json")
        XCTAssertEqual(try server.json(unknown.body)["message"] as? String, "page not found")
        let wrong = try await server.request(.PUT, "/v1.50/_ping")
        XCTAssertEqual(wrong.status, 405)
        XCTAssertTrue(wrong.body.contains("method PUT not allowed for /_ping"), wrong.body)
    }

    func testBackendErrorsMapToDockerdStatuses() async throws {
        let missing = try await server.request(.GET, "/v1.50/containers/nope/json")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try server.json(missing.body)["message"] as? String, "No such container: nope")
        let conflict = try await server.request(.POST, "/containers/create?name=c1", body: #"{"Image":"busybox"}"#)
        XCTAssertEqual(conflict.status, 409)
        let running = try await server.request(.DELETE, "/containers/c1")
        XCTAssertEqual(running.status, 409)
        let badSignal = try await server.request(.POST, "/containers/c1/kill?signal=NOPE")
        XCTAssertEqual(badSignal.status, 400)
        let search = try await server.request(.GET, "/images/search?term=busybox")
        XCTAssertEqual(search.status, 501)
        XCTAssertEqual(try server.json(search.body)["message"] as? String, "search is not supported by berth")
        let login = try await server.request(.POST, "/auth", body: #"{"username":"a","password":"wrong"}"#)
        XCTAssertEqual(login.status, 401)
        let badInt = try await server.request(.GET, "/containers/json?limit=ten")
        XCTAssertEqual(badInt.status, 400)
        XCTAssertTrue(badInt.body.contains("limit"), badInt.body)
        let badFilter = try await server.request(.POST, "/containers/prune?filters=%7B%22color%22%3A%5B%22red%22%5D%7D")
        XCTAssertEqual(badFilter.status, 400)
        XCTAssertEqual(try server.json(badFilter.body)["message"] as? String, "invalid filter 'color'")
    }

    func testStartOfRunningContainerIs304AndLifecycleRoutesAnswer204() async throws {
        let expectations: [(HTTPMethod, String, Int)] = [
            (.POST, "/containers/c1/start", 304), (.POST, "/containers/c1/stop?t=1", 204),
            (.POST, "/containers/c1/restart", 204), (.POST, "/containers/c1/pause", 204),
            (.POST, "/containers/c1/rename?name=c2", 204), (.POST, "/containers/c1/rename", 400),
            (.POST, "/containers/c1/resize?h=24&w=80", 200), (.DELETE, "/containers/c1?force=1", 204),
        ]
        for (method, path, status) in expectations {
            let response = try await server.request(method, path)
            XCTAssertEqual(response.status, status, "\(method) \(path): \(response.body)")
        }
    }

    func testImageNamesWithSlashesAndTagsRoute() async throws {
        let inspect = try await server.request(.GET, "/v1.50/images/library/busybox:latest/json")
        XCTAssertEqual(inspect.status, 200)
        let tag = try await server.request(.POST, "/images/busybox:latest/tag?repo=localhost:5000/me/busybox&tag=v1")
        XCTAssertEqual(tag.status, 201)
        let missing = try await server.request(.DELETE, "/images/localhost:5000/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try server.json(missing.body)["message"] as? String, "No such image: localhost:5000/nope")
    }

    func testSwarmAndPluginRoutesAnswerAsDockerdWithSwarmInactive() async throws {
        for path in ["/swarm", "/services", "/nodes", "/tasks", "/secrets", "/configs"] {
            let response = try await server.request(.GET, path)
            XCTAssertEqual(response.status, 503, path)
            XCTAssertEqual(try server.json(response.body)["message"] as? String, InactiveMessages.notManager)
        }
        let plugins = try await server.request(.GET, "/plugins")
        XCTAssertEqual(plugins.status, 200)
        XCTAssertEqual(plugins.body, "[]")
        let plugin = try await server.request(.GET, "/plugins/vieux/sshfs:latest/json")
        XCTAssertEqual(plugin.status, 404)
        XCTAssertEqual(try server.json(plugin.body)["message"] as? String, "plugin \"vieux/sshfs:latest\" not found")
    }
}

enum InactiveMessages {
    static let notManager = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."
}
