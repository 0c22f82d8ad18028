import BerthAPIModel
import BerthClient
import BerthSystem
import Foundation
import Glibc
import XCTest

/// The client's parsing and framing against canned daemon answers on a real
/// Unix socket (no daemon needed).
final class BerthClientTests: XCTestCase {
    func testHostParsing() throws {
        XCTAssertEqual(try DockerHost(parsing: "unix:///run/x.sock"), .unix("/run/x.sock"))
        XCTAssertEqual(try DockerHost(parsing: "/run/x.sock"), .unix("/run/x.sock"))
        XCTAssertEqual(try DockerHost(parsing: "tcp://10.0.0.1:2376"), .tcp(host: "10.0.0.1", port: 2376))
        XCTAssertEqual(try DockerHost(parsing: "tcp://example.com"), .tcp(host: "example.com", port: 2375))
        XCTAssertEqual(try DockerHost(parsing: "tcp://[::1]:99"), .tcp(host: "::1", port: 99))
        XCTAssertThrowsError(try DockerHost(parsing: "ssh://host")) { error in
            XCTAssertTrue("\(error)".contains("ssh://host"), "\(error)")
        }
        XCTAssertThrowsError(try DockerHost(parsing: "tcp://h:99999"))
        XCTAssertEqual(try DockerHost.resolve(flag: nil, environment: ["DOCKER_HOST": "tcp://a:1", "BERTH_HOST": "unix:///b"]), .unix("/b"))
        XCTAssertEqual(try DockerHost.resolve(flag: "tcp://c:2", environment: ["BERTH_HOST": "unix:///b"]), .tcp(host: "c", port: 2))
        XCTAssertEqual(try DockerHost.resolve(flag: nil, environment: [:]), .unix("/run/berth/berth.sock"))
    }

    func testNegotiatesAndDecodesChunkedJSON() throws {
        let server = try CannedServer(answers: [
            "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Length: 2\r\n\r\nOK",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"Ver\r\n" + "E\r\nsion\":\"28.0\"}\n\r\n" + "0\r\n\r\n",
        ])
        defer { server.stop() }
        let client = try EngineClient.connect(to: .unix(server.path))
        XCTAssertEqual(client.apiVersion, APIVersion(1, 45), "the lower of the daemon's and the client's")
        XCTAssertEqual(try client.version().version, "28.0")
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertTrue(server.requests[0].hasPrefix("GET /_ping HTTP/1.1\r\n"), server.requests[0])
        XCTAssertTrue(server.requests[1].hasPrefix("GET /v1.45/version HTTP/1.1\r\n"), server.requests[1])
    }

    func testErrorMessageAndStatus() throws {
        let server = try CannedServer(answers: [
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 38\r\n\r\n{\"message\":\"No such container: nope\"}\n",
        ])
        defer { server.stop() }
        let client = EngineClient(host: .unix(server.path), version: APIVersion(1, 50))
        XCTAssertThrowsError(try client.containerInspect("nope")) { error in
            let api = error as? APIError
            XCTAssertEqual(api?.status, 404)
            XCTAssertEqual(api?.message, "No such container: nope")
            XCTAssertEqual(api?.code, .notFound)
        }
        XCTAssertTrue(server.requests[0].hasPrefix("GET /v1.50/containers/nope/json HTTP/1.1\r\n"), server.requests[0])
    }

    func testUnreachableDaemon() {
        XCTAssertThrowsError(try EngineClient.connect(to: .unix("/nonexistent/berth.sock"))) { error in
            XCTAssertEqual((error as? BerthError)?.code, .unavailable)
            XCTAssertTrue("\(error)".hasPrefix("Cannot connect to the Docker daemon at unix:///nonexistent/berth.sock"), "\(error)")
        }
    }

    func testMultiplexedStreamAndHijack() throws {
        func frame(_ stream: UInt8, _ text: String) -> String {
            let n = text.utf8.count
            return String(decoding: [stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)], as: UTF8.self) + text
        }
        let server = try CannedServer(answers: [
            "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + frame(1, "out\n") + frame(2, "err\n"),
        ])
        defer { server.stop() }
        let client = EngineClient(host: .unix(server.path), version: APIVersion(1, 50))
        let stream = try client.containerAttach("c1", stdin: true)
        var reader = StdStreamReader(stream)
        let first = try XCTUnwrap(try reader.next())
        XCTAssertEqual(first.stream, .stdout)
        XCTAssertEqual(String(decoding: first.bytes, as: UTF8.self), "out\n")
        let second = try XCTUnwrap(try reader.next())
        XCTAssertEqual(second.stream, .stderr)
        XCTAssertNil(try reader.next())
        XCTAssertTrue(server.requests[0].contains("Upgrade: tcp\r\n"), server.requests[0])
        XCTAssertTrue(server.requests[0].hasPrefix("POST /v1.50/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1"), server.requests[0])
    }

    func testStreamedBodyIsChunkedAndQueryEscaped() throws {
        let server = try CannedServer(answers: ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
        defer { server.stop() }
        let client = EngineClient(host: .unix(server.path), version: APIVersion(1, 50))
        var parts: [[UInt8]] = [Array("abc".utf8), Array("de".utf8)]
        try client.containerPutArchive("web", path: "/tmp/a b&c", tar: { parts.isEmpty ? nil : parts.removeFirst() })
        let request = server.requests[0]
        XCTAssertTrue(request.hasPrefix("PUT /v1.50/containers/web/archive?path=%2Ftmp%2Fa%20b%26c&noOverwriteDirNonDir=1 HTTP/1.1"), request)
        XCTAssertTrue(request.hasSuffix("\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), request)
    }
}

/// A Unix socket server that answers each connection with the next canned
/// response and records what it was sent (until the client stops sending).
final class CannedServer: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let recorder = Recorder()
    private let thread: Thread
    var requests: [String] { recorder.all }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var received: [String] = []
        var all: [String] { lock.withLock { received } }
        func add(_ request: String) { lock.withLock { received.append(request) } }
    }

    init(answers: [String]) throws {
        let path = "/tmp/bc-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        self.path = path
        self.fd = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8) + [0]) }
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0, listen(fd, 8) == 0 else { throw SystemError("bind", path: path, errno: errno) }
        let listener = fd
        let recorder = self.recorder
        thread = Thread {
            for answer in answers {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                // Read until the request is complete: headers, then a body by length or chunks.
                while true {
                    var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 300) <= 0 { break }
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    request += buffer.prefix(n)
                    let text = String(decoding: request, as: UTF8.self)
                    if text.contains("\r\n\r\n") && !text.contains("chunked") && !text.contains("Content-Length: ") || text.hasSuffix("0\r\n\r\n") { break }
                    if let range = text.range(of: "Content-Length: "), let end = text[range.upperBound...].firstIndex(of: "\r"),
                       let length = Int(text[range.upperBound..<end]), let headEnd = text.range(of: "\r\n\r\n"),
                       text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length { break }
                }
                recorder.add(String(decoding: request, as: UTF8.self))
                _ = Array(answer.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }
}
