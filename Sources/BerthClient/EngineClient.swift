import BerthAPIModel
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client of the Docker Engine API (berth's daemon or dockerd) over a Unix
/// socket or plain TCP. Blocking: each call opens a connection, writes one
/// HTTP/1.1 request and returns when the answer (or, for streams, its
/// headers) arrived. Typed calls per resource are in `EngineClient+*.swift`.
///
///     let client = try EngineClient.connect(to: DockerHost.resolve(flag: nil, environment: env))
///     let id = try client.containerCreate(config, name: "web").id
public struct EngineClient: Sendable {
    public let host: DockerHost
    /// The API version every path is prefixed with (`/v1.50/…`); nil sends bare paths.
    public var apiVersion: APIVersion?
    /// Headers sent with every request (docker's User-Agent by default).
    public var userAgent = "berth-cli"

    /// The newest API version this client speaks.
    public static let maximumVersion = APIVersion(1, 50)

    /// A client that sends `version` (bare paths when nil) without asking the daemon.
    public init(host: DockerHost, version: APIVersion? = nil) {
        self.host = host
        self.apiVersion = version
    }

    /// Connects and negotiates as docker's client does: `GET /_ping`, then the
    /// lower of the daemon's `API-Version` and `maximumVersion`. A daemon that
    /// cannot be reached is docker's "Cannot connect to the Docker daemon".
    public static func connect(to host: DockerHost) throws -> EngineClient {
        var client = EngineClient(host: host)
        let ping = try client.perform(Request(method: "GET", path: "/_ping"))
        _ = try ping.readAll()
        if let text = ping.header("API-Version"), let server = APIVersion(text) {
            client.apiVersion = min(server, maximumVersion)
        } else {
            client.apiVersion = maximumVersion
        }
        return client
    }

    /// One HTTP request: method, path (without the version prefix), query, headers and body.
    public struct Request {
        public var method: String
        public var path: String
        public var query: Query
        public var headers: [(String, String)]
        public var body: Body

        public init(method: String, path: String, query: Query = Query(), headers: [(String, String)] = [], body: Body = .none) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    /// A request body.
    public enum Body {
        case none
        /// JSON bytes (Content-Type: application/json).
        case json([UInt8])
        /// Bytes of the given content type.
        case bytes([UInt8], contentType: String)
        /// A body read chunk by chunk until the reader returns nil (sent chunked),
        /// e.g. a tar archive for load, import, build or cp.
        case stream(contentType: String, next: () throws -> [UInt8]?)

        /// A JSON body from any Encodable model.
        public static func encode(_ value: any Encodable) throws -> Body {
            .json(Array(try JSONCoding.encoder.encode(value)))
        }
    }

    /// Sends `request` and returns the response as soon as its headers are
    /// read, whatever the status (see `checked` for the error mapping).
    public func perform(_ request: Request, upgrade: Bool = false) throws -> Response {
        guard Self.tracing else { return try send(request, upgrade: upgrade) }
        let start = Self.monotonicMicroseconds()
        let response = try send(request, upgrade: upgrade)
        let elapsed = Self.monotonicMicroseconds() - start
        let line = "api: \(request.method) \(versioned(request.path))\(request.query.encoded) \(response.status) \(elapsed / 1000).\(String(elapsed % 1000 + 1000).dropFirst()) ms\n"
        _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress, $0.count - 1) }
        return response
    }

    /// `BERTH_API_TRACE` set (to anything): each request's line, status and
    /// time until its response headers arrived go to stderr, for finding
    /// where a command spends its time.
    static let tracing = getenv("BERTH_API_TRACE") != nil

    /// Microseconds on the monotonic clock.
    static func monotonicMicroseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
    }

    private func send(_ request: Request, upgrade: Bool) throws -> Response {
        let connection: Connection
        do {
            connection = try Connection(host: host)
        } catch let error as SystemError {
            throw BerthError.unavailable("Cannot connect to the Docker daemon at \(host). Is the docker daemon running?", cause: error)
        }
        var head = "\(request.method) \(versioned(request.path))\(request.query.encoded) HTTP/1.1\r\n"
        head += "Host: \(host.hostHeader)\r\nUser-Agent: \(userAgent)\r\n"
        if upgrade { head += "Connection: Upgrade\r\nUpgrade: tcp\r\n" }
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        var payload: [UInt8] = []
        var streaming: (() throws -> [UInt8]?)?
        switch request.body {
        case .none:
            if ["POST", "PUT"].contains(request.method) { head += "Content-Length: 0\r\n" }
        case .json(let bytes):
            head += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
            payload = bytes
        case .bytes(let bytes, let type):
            head += "Content-Type: \(type)\r\nContent-Length: \(bytes.count)\r\n"
            payload = bytes
        case .stream(let type, let next):
            head += "Content-Type: \(type)\r\nTransfer-Encoding: chunked\r\n"
            streaming = next
        }
        head += "\r\n"
        do {
            try connection.write(Array(head.utf8) + payload)
            if let next = streaming {
                while let chunk = try next() {
                    if chunk.isEmpty { continue }
                    try connection.write(Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + [13, 10])
                }
                try connection.write(Array("0\r\n\r\n".utf8))
            }
        } catch let error as SystemError where error.errno == EPIPE || error.errno == ECONNRESET {
            // The daemon answered before reading the whole body (an error): read that answer.
        }
        return try Response(reading: connection, isHead: request.method == "HEAD")
    }

    private func versioned(_ path: String) -> String {
        guard let apiVersion, path != "/_ping" else { return path }
        return "/v\(apiVersion)" + path
    }

    /// Sends `request`; a status of 400 or more becomes an `APIError` with the daemon's message.
    public func checked(_ request: Request, upgrade: Bool = false) throws -> Response {
        let response = try perform(request, upgrade: upgrade)
        guard response.status < 400 else { throw APIError(status: response.status, body: try response.readAll()) }
        return response
    }

    /// Sends `request` and decodes the JSON answer.
    public func decode<T: Decodable>(_ type: T.Type, _ request: Request) throws -> T {
        let body = try checked(request).readAll()
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(body))
        } catch {
            throw BerthError.internalError("cannot decode the daemon's answer to \(request.method) \(request.path) as \(T.self)", cause: error)
        }
    }

    /// Sends `request` and discards the (successful) answer.
    public func send(_ request: Request) throws {
        _ = try checked(request).readAll()
    }

    /// GET `path` and decode it.
    public func get<T: Decodable>(_ type: T.Type, _ path: String, query: Query = Query()) throws -> T {
        try decode(type, Request(method: "GET", path: path, query: query))
    }

    /// POST `path` with an optional JSON body and decode the answer.
    public func post<T: Decodable>(_ type: T.Type, _ path: String, query: Query = Query(), json: (any Encodable)? = nil) throws -> T {
        try decode(type, Request(method: "POST", path: path, query: query, body: json.map { try Body.encode($0) } ?? .none))
    }

    /// POST `path` with an optional JSON body; the answer is discarded.
    public func post(_ path: String, query: Query = Query(), json: (any Encodable)? = nil) throws {
        try send(Request(method: "POST", path: path, query: query, body: json.map { try Body.encode($0) } ?? .none))
    }

    /// DELETE `path`; the answer is discarded.
    public func delete(_ path: String, query: Query = Query()) throws {
        try send(Request(method: "DELETE", path: path, query: query))
    }
}
