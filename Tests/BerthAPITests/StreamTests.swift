import BerthEngine
import XCTest

/// Streamed answers: logs (multiplexed and raw), events, stats, wait,
/// progress, archive stat, and hijacked attach/exec.
final class StreamTests: XCTestCase {
    var server: TestServer!

    override func setUp() async throws { server = try await TestServer() }
    override func tearDown() async throws { try await server.stop() }

    func testLogsWithoutTTYAreMultiplexedWithTimestamps() async throws {
        let response = try await server.request(.GET, "/v1.50/containers/c1/logs?stdout=1&stderr=1&timestamps=1")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.first(name: "Content-Type"), "application/vnd.docker.multiplexed-stream")
        let frames = demultiplex(response.bytes)
        XCTAssertEqual(frames.map(\.0), [1, 2, 1])
        XCTAssertEqual(frames[1].1, "2024-01-02T03:04:05.000000006Z oops on stderr\n")
        // Before 1.42 dockerd labelled the same bytes raw-stream.
        let old = try await server.request(.GET, "/v1.41/containers/c1/logs?stdout=1")
        XCTAssertEqual(old.headers.first(name: "Content-Type"), "application/vnd.docker.raw-stream")
        XCTAssertEqual(demultiplex(old.bytes).map(\.1), ["hello from stdout\n", "bye\n"])
        let none = try await server.request(.GET, "/containers/c1/logs")
        XCTAssertEqual(none.status, 400)
        XCTAssertEqual(try server.json(none.body)["message"] as? String, "Bad parameters: you must choose at least one stream")
    }

    func testLogsWithTTYAreRaw() async throws {
        let response = try await server.request(.GET, "/containers/t1/logs?stdout=1&stderr=1")
        XCTAssertEqual(response.headers.first(name: "Content-Type"), "application/vnd.docker.raw-stream")
        XCTAssertEqual(response.body, "hello from stdout\noops on stderr\nbye\n")
    }

    func testEventsStreamJSONLinesAndTakeLegacyFilters() async throws {
        let legacy = "{\"event\":{\"start\":true}}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let response = try await server.request(.GET, "/events?since=1700000000.5&filters=\(legacy)")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.first(name: "Transfer-Encoding"), "chunked")
        let lines = response.body.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, response.body)
        let event = try server.json(String(lines[0]))
        XCTAssertEqual(event["Action"] as? String, "start")
        XCTAssertEqual(event["time"] as? Int, 1_700_000_000)
        let bad = try await server.request(.GET, "/events?since=yesterday")
        XCTAssertEqual(bad.status, 400)
    }

    func testStatsStreamOneObjectPerLineOrOneShot() async throws {
        let stream = try await server.request(.GET, "/containers/c1/stats")
        XCTAssertEqual(stream.body.split(separator: "\n").count, 3)
        let once = try await server.request(.GET, "/containers/c1/stats?stream=false&one-shot=true")
        XCTAssertEqual(try server.json(once.body)["num_procs"] as? Int, 1)
        let status400 = try await server.request(.GET, "/containers/c1/stats?one-shot=1").status
        XCTAssertEqual(status400, 400)
    }

    func testWaitAnswersWithTheExitStatus() async throws {
        let response = try await server.request(.POST, "/containers/c1/wait?condition=next-exit")
        XCTAssertEqual(try server.json(response.body)["StatusCode"] as? Int, 0)
        let status400 = try await server.request(.POST, "/containers/c1/wait?condition=never").status
        XCTAssertEqual(status400, 400)
    }

    func testPullProgressAndFailuresBeforeAndAfterTheFirstMessage() async throws {
        let pull = try await server.request(.POST, "/images/create?fromImage=busybox&tag=1.36")
        XCTAssertEqual(pull.status, 200)
        XCTAssertTrue(pull.body.contains("\"status\":\"Pulling from library/busybox\""), pull.body)
        XCTAssertTrue(pull.body.contains("\r\n"))
        let early = try await server.request(.POST, "/images/create?fromImage=fail-early")
        XCTAssertEqual(early.status, 404)
        let late = try await server.request(.POST, "/images/create?fromImage=fail-late")
        XCTAssertEqual(late.status, 200)
        XCTAssertTrue(late.body.contains("\"error\":\"connection to registry lost\""), late.body)
        XCTAssertTrue(late.body.contains("\"errorDetail\":{\"message\":\"connection to registry lost\"}"), late.body)
    }

    func testPushDecodesXRegistryAuth() async throws {
        let auth = try AuthConfig(username: "alice", password: "pw", serveraddress: "localhost:5000").registryAuthHeader()
        let pushed = try await server.request(.POST, "/images/busybox/push?tag=latest", headers: [("X-Registry-Auth", auth)])
        XCTAssertEqual(pushed.status, 200, pushed.body)
        let denied = try await server.request(.POST, "/images/busybox/push")
        XCTAssertEqual(denied.status, 401)
        let garbage = try await server.request(.POST, "/images/busybox/push", headers: [("X-Registry-Auth", "!!!")])
        XCTAssertEqual(garbage.status, 400)
    }

    func testArchiveStatIsBase64JSONInTheHeader() async throws {
        let head = try await server.request(.HEAD, "/containers/c1/archive?path=/etc/hostname")
        XCTAssertEqual(head.status, 200)
        let encoded = try XCTUnwrap(head.headers.first(name: "X-Docker-Container-Path-Stat"))
        let stat = try JSONDecoder().decode(PathStat.self, from: try XCTUnwrap(Data(base64Encoded: encoded)))
        XCTAssertEqual(stat, PathStat(name: "hostname", size: 3, mode: 0o644, mtime: "2024-01-02T03:04:05Z"))
        let get = try await server.request(.GET, "/containers/c1/archive?path=/etc/hostname")
        XCTAssertEqual(get.headers.first(name: "Content-Type"), "application/x-tar")
        XCTAssertEqual(get.body, "tar")
        // A HEAD error has no body: the keep-alive connection stays in sync.
        let socket = try RawSocket(path: server.socketPath)
        socket.send("HEAD /containers/c1/archive?path=/nope HTTP/1.1\r\nHost: d\r\n\r\nGET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
        XCTAssertTrue(socket.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        let ping = socket.readResponse()
        XCTAssertTrue(ping.head.hasPrefix("HTTP/1.1 200"), ping.head)
        XCTAssertEqual(ping.body, "OK")
    }

    func testAttachUpgradeEchoesStdinUntilTheClientHalfCloses() async throws {
        let socket = try RawSocket(path: server.socketPath)
        socket.send("POST /v1.50/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n")
        let head = socket.read(until: "\r\n\r\n")
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 101 UPGRADED\r\n"), head)
        XCTAssertTrue(head.contains("Content-Type: application/vnd.docker.multiplexed-stream"), head)
        XCTAssertTrue(head.contains("Upgrade: tcp"), head)
        socket.send("ping\n")
        socket.send("pong\n")
        socket.closeWrite()
        let frames = demultiplex(socket.readAll())
        XCTAssertEqual(frames.filter { $0.0 == 1 }.map(\.1).joined(), "ping\npong\n")
        XCTAssertEqual(frames.last?.0, 2)
        XCTAssertEqual(frames.last?.1, "stdin closed\n")
    }

    func testAttachWithoutUpgradeHeadersIsTheOldHijackWithTTYRawStream() async throws {
        let socket = try RawSocket(path: server.socketPath)
        socket.send("POST /containers/t1/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")
        let head = socket.read(until: "\r\n\r\n")
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"), head)
        XCTAssertTrue(head.contains("application/vnd.docker.raw-stream"), head)
        socket.send("typed")
        socket.closeWrite()
        XCTAssertEqual(String(decoding: socket.readAll(), as: UTF8.self), "typedstdin closed\n")
    }

    func testAttachToUnknownContainerIsAPlain404() async throws {
        let socket = try RawSocket(path: server.socketPath)
        socket.send("POST /containers/nope/attach?stream=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n")
        let response = socket.readResponse()
        XCTAssertTrue(response.head.hasPrefix("HTTP/1.1 404"), response.head)
        XCTAssertTrue(response.body.contains("No such container: nope"))
    }

    func testExecCreateStartInspect() async throws {
        let created = try await server.request(.POST, "/containers/c1/exec", body: #"{"Cmd":["cat"],"AttachStdin":true,"AttachStdout":true}"#)
        XCTAssertEqual(created.status, 201, created.body)
        let id = try XCTUnwrap(try server.json(created.body)["Id"] as? String)
        let socket = try RawSocket(path: server.socketPath)
        let body = #"{"Detach":false,"Tty":false}"#
        socket.send("POST /exec/\(id)/start HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)hello exec")
        XCTAssertTrue(socket.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 101"))
        socket.closeWrite()
        XCTAssertEqual(demultiplex(socket.readAll()).map(\.1).joined(), "hello exec")
        let inspect = try server.json(try await server.request(.GET, "/exec/\(id)/json").body)
        XCTAssertEqual(inspect["ExitCode"] as? Int, 0)
        XCTAssertEqual(inspect["Running"] as? Bool, false)
        let empty = try await server.request(.POST, "/containers/c1/exec", body: #"{"Cmd":[]}"#)
        XCTAssertEqual(empty.status, 400)
        let status404 = try await server.request(.GET, "/exec/nope/json").status
        XCTAssertEqual(status404, 404)
    }
}
