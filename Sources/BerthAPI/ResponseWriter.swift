import BerthEngine
import BerthSystem
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// How a handler answers: a whole response, a chunked stream, or a hijack.
/// Safe to call from the handler's task; every write hops to the channel's
/// event loop and completes when the bytes were handed to the socket.
final class ResponseWriter: Sendable {
    private enum Phase: Sendable { case pending, streaming, done, hijacked }

    private let channel: any Channel
    private let connection: NIOLoopBound<HTTPConnectionHandler>
    private let commonHeaders: HTTPHeaders
    private let keepAlive: Bool
    private let phase = NIOLockedValueBox<Phase>(.pending)
    private let statusBox = NIOLockedValueBox<HTTPResponseStatus?>(nil)
    let wantsUpgrade: Bool
    /// HEAD answers carry headers only, whatever the handler passes as body.
    private let isHead: Bool

    init(channel: any Channel, connection: NIOLoopBound<HTTPConnectionHandler>, commonHeaders: HTTPHeaders,
         keepAlive: Bool, wantsUpgrade: Bool, isHead: Bool) {
        self.isHead = isHead
        self.channel = channel
        self.connection = connection
        self.commonHeaders = commonHeaders
        self.keepAlive = keepAlive
        self.wantsUpgrade = wantsUpgrade
    }

    /// The status sent, for the request log.
    var status: HTTPResponseStatus? { statusBox.withLockedValue { $0 } }
    var headSent: Bool { phase.withLockedValue { $0 != .pending } }

    // MARK: Whole responses

    /// Sends a complete response with a Content-Length.
    func respond(_ status: HTTPResponseStatus, headers extra: HTTPHeaders = [:], body: ByteBuffer? = nil) async throws {
        guard claim(.done) else { return }
        var head = makeHead(status, extra)
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        if let body, body.readableBytes > 0, !isHead {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        }
        try await end()
    }

    /// `application/json` body.
    func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) async throws {
        try await respond(status, headers: ["Content-Type": "application/json"], body: JSONBody.encode(value))
    }

    /// `{"message": ...}` with the status, as every dockerd error.
    func error(_ status: HTTPResponseStatus, _ message: String, close: Bool = false) async throws {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if close { headers.add(name: "Connection", value: "close") }
        try await respond(status, headers: headers, body: JSONBody.encode(ErrorResponse(message: message)))
    }

    // MARK: Streams

    /// Sends the head of a chunked response; the body follows with `write`.
    func startStream(_ status: HTTPResponseStatus = .ok, contentType: String, headers: HTTPHeaders = [:]) async throws {
        guard claim(.streaming) else { return }
        var extra = headers
        extra.replaceOrAdd(name: "Content-Type", value: contentType)
        var head = makeHead(status, extra)
        head.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        try await channel.writeAndFlush(HTTPServerResponsePart.head(head)).get()
    }

    /// One chunk, flushed (events and stats must reach the client at once).
    func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).get()
    }

    /// Ends a stream started with `startStream`.
    func finishStream() async throws {
        guard phase.withLockedValue({ phase in
            guard phase == .streaming else { return false }
            phase = .done
            return true
        }) else { return }
        try await end()
    }

    /// Makes sure the request is answered: an empty 200 when the handler
    /// wrote nothing (as a Go handler returning nil), the end of a stream,
    /// and a hijacked connection closed once the backend is done with it
    /// (dockerd closes attach/exec connections when the output ends).
    func complete() async {
        switch phase.withLockedValue({ $0 }) {
        case .pending: try? await respond(.ok)
        case .streaming: try? await finishStream()
        case .hijacked: try? await channel.close()
        case .done: break
        }
    }

    /// A handler failed: an error response when nothing was sent yet, else
    /// the connection is closed (the client sees a truncated stream).
    func fail(_ error: any Error) async {
        let (status, message) = ErrorMapping.response(for: error)
        if phase.withLockedValue({ $0 }) == .pending {
            try? await self.error(status, message)
        } else {
            // Too late for a status: the client sees the stream end early.
            phase.withLockedValue { if $0 == .streaming { $0 = .done } }
            try? await channel.close()
        }
    }

    // MARK: Hijack

    /// Takes the connection over from HTTP (see `HijackRequest`).
    func hijack(multiplexed: Bool) async throws -> RawConnection {
        guard claim(.hijacked) else {
            throw BerthError(.internalError, "the response was already started; cannot hijack the connection")
        }
        let contentType = multiplexed ? StdCopy.multiplexedContentType : StdCopy.rawContentType
        // dockerd's bytes (server/router/container/exec.go, attach): 101 UPGRADED
        // with Upgrade: tcp when asked, else the pre-1.24 "200 OK" hijack.
        var text = wantsUpgrade ? "HTTP/1.1 101 UPGRADED\r\n" : "HTTP/1.1 200 OK\r\n"
        text += "Content-Type: \(contentType)\r\n"
        if wantsUpgrade { text += "Connection: Upgrade\r\nUpgrade: tcp\r\n" }
        for (name, value) in commonHeaders { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        statusBox.withLockedValue { $0 = wantsUpgrade ? .switchingProtocols : .ok }
        let head = ByteBuffer(string: text)
        let connection = self.connection
        return try await channel.eventLoop.submit {
            try connection.value.hijack(head: head, multiplexed: multiplexed)
        }.get()
    }

    // MARK: Helpers

    private func claim(_ next: Phase) -> Bool {
        phase.withLockedValue { phase in
            guard phase == .pending else { return false }
            phase = next
            return true
        }
    }

    private func makeHead(_ status: HTTPResponseStatus, _ extra: HTTPHeaders) -> HTTPResponseHead {
        statusBox.withLockedValue { $0 = status }
        var headers = commonHeaders
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    private func end() async throws {
        let connection = self.connection
        let future: EventLoopFuture<Void> = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        channel.eventLoop.execute { connection.value.responseDone() }
        try await future.get()
    }
}

/// `HijackRequest` for the backends, backed by the writer.
struct HijackHandoff: HijackRequest {
    let writer: ResponseWriter

    func hijack(multiplexed: Bool) async throws -> any HijackedConnection {
        try await writer.hijack(multiplexed: multiplexed)
    }
}
