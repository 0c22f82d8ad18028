import AsyncHTTPClient
import BerthAPI
import BerthEngine
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import XCTest

/// A real APIServer on a Unix socket in a fresh temp directory, with fake
/// backends, and the clients that drive it.
final class TestServer {
    let directory: String
    let socketPath: String
    let fake = FakeBackends()
    let server: APIServer
    let client = HTTPClient(eventLoopGroupProvider: .singleton)

    init(maxBodySize: Int = 64 * 1024) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-api-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/berth.sock"
        server = APIServer(backends: fake.all, socketPath: socketPath, maxBodySize: maxBodySize)
        try await server.start()
    }

    func stop() async throws {
        try await client.shutdown()
        try await server.shutdown()
        try FileManager.default.removeItem(atPath: directory)
    }

    /// A request through AsyncHTTPClient; returns status, headers and the whole body.
    func request(_ method: HTTPMethod = .GET, _ path: String, body: String? = nil,
                 headers: [(String, String)] = []) async throws -> (status: Int, headers: HTTPHeaders, body: String, bytes: [UInt8]) {
        let encoded = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encoded)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers, String(buffer: bytes), Array(buffer: bytes))
    }

    func json(_ body: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }
}

/// A blocking Unix-socket client speaking raw bytes: for hijacked
/// connections, half-close, pipelining and malformed requests.
final class RawSocket {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Closes our write side: the server sees EOF on stdin.
    func closeWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until EOF (or the timeout).
    func readAll() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return out }
            out += buffer[0..<count]
        }
    }

    /// Reads until `marker` has been seen (or EOF/timeout).
    func read(until marker: String) -> String {
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            out.append(byte)
            if out.count >= marker.utf8.count && String(decoding: out.suffix(marker.utf8.count), as: UTF8.self) == marker { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads one full HTTP response with a Content-Length body.
    func readResponse() -> (head: String, body: String) {
        let head = read(until: "\r\n\r\n")
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let count = body[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, length - got, 0) }
            if count <= 0 { break }
            got += count
        }
        return (head, String(decoding: body, as: UTF8.self))
    }
}

/// Splits docker's multiplexed stream into (stream, payload) frames.
func demultiplex(_ bytes: [UInt8]) -> [(UInt8, String)] {
    var frames: [(UInt8, String)] = []
    var index = 0
    while index + 8 <= bytes.count {
        let size = Int(bytes[index + 4]) << 24 | Int(bytes[index + 5]) << 16 | Int(bytes[index + 6]) << 8 | Int(bytes[index + 7])
        let start = index + 8
        guard start + size <= bytes.count else { break }
        frames.append((bytes[index], String(decoding: bytes[start..<start + size], as: UTF8.self)))
        index = start + size
    }
    return frames
}
