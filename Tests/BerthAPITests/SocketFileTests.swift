import BerthAPI
import BerthEngine
import BerthSystem
import Foundation
import Glibc
import XCTest

/// The socket file: mode 0660, stale files replaced, live ones kept.
final class SocketFileTests: XCTestCase {
    func testSocketIsGroupOnlyAndALiveOneIsNotStolen() async throws {
        let first = try await TestServer()
        var info = stat()
        XCTAssertEqual(stat(first.socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        let second = APIServer(backends: FakeBackends().all, socketPath: first.socketPath)
        do {
            try await second.start()
            XCTFail("a second server must not take a socket someone listens on")
        } catch let error as BerthError {
            XCTAssertEqual(error.code, .conflict)
            XCTAssertTrue(error.message.contains("another daemon is listening on \(first.socketPath)"), error.message)
        }
        let ping = try await first.request(.GET, "/_ping")
        XCTAssertEqual(ping.status, 200, "the first server keeps serving")
        try await first.stop()
    }

    func testStaleSocketFileIsReplacedAndARegularFileIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "berth-api-stale-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/d.sock"
        // A socket bound and closed without unlink: nothing listens on it.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        close(fd)
        let server = APIServer(backends: FakeBackends().all, socketPath: path)
        try await server.start()
        let socket = try RawSocket(path: path)
        socket.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
        XCTAssertEqual(socket.readResponse().body, "OK")
        try await server.shutdown()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "shutdown removes the socket file")

        FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let refused = APIServer(backends: FakeBackends().all, socketPath: path)
        do {
            try await refused.start()
            XCTFail("a regular file must not be replaced")
        } catch let error as BerthError {
            XCTAssertEqual(error.code, .conflict)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep me".utf8))
    }

    func testTCPWithMissingCertificatesIsRefusedClearly() async throws {
        let tcp = APIServer.TCPListener(host: "127.0.0.1", port: 2376, caPath: "/ca.pem", certPath: "/c.pem", keyPath: "/k.pem")
        let server = APIServer(backends: FakeBackends().all, socketPath: NSTemporaryDirectory() + "unused.sock", tcp: tcp)
        do {
            try await server.start()
            XCTFail("TCP served without its TLS files")
        } catch let error as BerthError {
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("--tlscacert /ca.pem") && error.message.contains("--tlskey /k.pem"), error.message)
        }
    }
}
