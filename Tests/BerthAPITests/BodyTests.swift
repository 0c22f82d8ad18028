import BerthEngine
import XCTest

/// Request bodies: decoding of docker's create JSON, malformed JSON,
/// oversized bodies, streamed uploads.
final class BodyTests: XCTestCase {
    var server: TestServer!

    override func setUp() async throws { server = try await TestServer(maxBodySize: 64 * 1024) }
    override func tearDown() async throws { try await server.stop() }

    func testCreateDecodesDockerFieldsAndIgnoresUnknownOnes() async throws {
        let body = """
        {"Image":"busybox","Cmd":["sh","-c","echo hi"],"Env":["A=1"],"Tty":true,"OpenStdin":true,
         "ExposedPorts":{"80/tcp":{}},"Labels":{"l":"v"},"SomethingNew":{"x":1},
         "HostConfig":{"Memory":268435456,"NanoCpus":1500000000,"Binds":["/src:/dst:ro"],
           "PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
           "CapAdd":["NET_ADMIN"],"Init":true,"ConsoleSize":[24,80],"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],
           "LogConfig":{"Type":"json-file","Config":{"max-size":"10m"}},"UnknownFuture":true},
         "NetworkingConfig":{"EndpointsConfig":{"mynet":{"Aliases":["web"],"IPAMConfig":{"IPv4Address":"10.0.0.5"}}}}}
        """
        let response = try await server.request(.POST, "/v1.50/containers/create?name=web", body: body)
        XCTAssertEqual(response.status, 201, response.body)
        XCTAssertEqual(try server.json(response.body)["Id"] as? String, String(repeating: "ab", count: 32))
        let create = try XCTUnwrap(server.fake.lastCreate.withLockedValue { $0 })
        XCTAssertEqual(create.cmd, ["sh", "-c", "echo hi"])
        XCTAssertEqual(create.tty, true)
        XCTAssertEqual(create.exposedPorts?["80/tcp"], .object([:]))
        XCTAssertEqual(create.hostConfig?.memory, 268_435_456)
        XCTAssertEqual(create.hostConfig?.nanoCpus, 1_500_000_000)
        XCTAssertEqual(create.hostConfig?.binds, ["/src:/dst:ro"])
        XCTAssertEqual(create.hostConfig?.portBindings?["80/tcp"]?.first?.hostPort, "8080")
        XCTAssertEqual(create.hostConfig?.restartPolicy?.maximumRetryCount, 3)
        XCTAssertEqual(create.hostConfig?.`init`, true)
        XCTAssertEqual(create.hostConfig?.consoleSize, [24, 80])
        XCTAssertEqual(create.hostConfig?.ulimits?.first?.hard, 2048)
        XCTAssertEqual(create.hostConfig?.logConfig?.config?["max-size"], "10m")
        XCTAssertEqual(create.networkingConfig?.endpointsConfig?["mynet"]?.aliases, ["web"])
        XCTAssertEqual(create.networkingConfig?.endpointsConfig?["mynet"]?.ipamConfig?.iPv4Address, "10.0.0.5")
    }

    func testMalformedJSONIs400NamingTheProblemAndTheConnectionKeepsServing() async throws {
        let socket = try RawSocket(path: server.socketPath)
        let bad = #"{"Image": "busybox", "#
        socket.send("POST /v1.50/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: \(bad.utf8.count)\r\n\r\n\(bad)")
        let first = socket.readResponse()
        XCTAssertTrue(first.head.hasPrefix("HTTP/1.1 400"), first.head)
        XCTAssertTrue(first.body.contains("invalid JSON"), first.body)
        // A field of the wrong type names the field.
        let typed = #"{"Image":"busybox","HostConfig":{"Memory":"lots"}}"#
        socket.send("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: \(typed.utf8.count)\r\n\r\n\(typed)")
        let second = socket.readResponse()
        XCTAssertTrue(second.head.hasPrefix("HTTP/1.1 400"), second.head)
        XCTAssertTrue(second.body.contains("HostConfig.Memory"), second.body)
        // An empty body is dockerd's EOF error.
        socket.send("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")
        XCTAssertTrue(socket.readResponse().body.contains("invalid JSON: got EOF while reading request body"))
        // Same connection, still serving.
        socket.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
        let ping = socket.readResponse()
        XCTAssertTrue(ping.head.hasPrefix("HTTP/1.1 200"), ping.head)
        XCTAssertEqual(ping.body, "OK")
    }

    func testOversizedBodyIs413AndTheServerKeepsServing() async throws {
        let huge = "{\"Image\":\"" + String(repeating: "x", count: 200 * 1024) + "\"}"
        let socket = try RawSocket(path: server.socketPath)
        socket.send("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: \(huge.utf8.count)\r\n\r\n")
        socket.send(huge)
        let response = socket.readResponse()
        XCTAssertTrue(response.head.hasPrefix("HTTP/1.1 413"), response.head)
        XCTAssertTrue(response.body.contains("request body too large"), response.body)
        let ping = try await server.request(.GET, "/_ping")
        XCTAssertEqual(ping.status, 200)
    }

    func testStreamedUploadsReachTheBackendWholeBeyondTheJSONLimit() async throws {
        let size = 1 << 20  // 16× the JSON limit: streamed routes are not buffered
        let socket = try RawSocket(path: server.socketPath)
        socket.send("PUT /containers/c1/archive?path=/tmp HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: \(size)\r\n\r\n")
        socket.send([UInt8](repeating: 7, count: size))
        let response = socket.readResponse()
        XCTAssertTrue(response.head.hasPrefix("HTTP/1.1 200"), response.head)
        XCTAssertEqual(server.fake.uploaded.withLockedValue { $0 }, size)
    }

    func testPipelinedRequestsAreAnsweredInOrder() async throws {
        let socket = try RawSocket(path: server.socketPath)
        socket.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET /containers/nope/json HTTP/1.1\r\nHost: d\r\n\r\nGET /version HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(socket.readResponse().body, "OK")
        XCTAssertTrue(socket.readResponse().head.hasPrefix("HTTP/1.1 404"))
        let last = socket.readResponse()
        XCTAssertTrue(last.body.contains("\"ApiVersion\":\"1.50\""), last.body)
        XCTAssertEqual(socket.readAll(), [], "connection: close must close after the answer")
    }
}
