import BerthEngine
import BerthSystem
import Logging
import NIOCore
import NIOHTTP1

/// Serves one connection: reads requests (one at a time; pipelined ones wait
/// their turn), buffers or streams their bodies, runs the route's handler in
/// a task, and keeps the connection alive between requests. After a hijack
/// it removes itself and the HTTP codec from the pipeline.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let encoderName = "http-encoder"
    static let decoderName = "http-decoder"

    private enum Body {
        case none
        case buffering(ByteBuffer)
        case streaming(InboundByteSource)
        case discarding
    }

    /// A matched request waiting for its body.
    private struct Pending {
        let route: Router.Route
        let request: (method: HTTPMethod, path: String, version: APIVersion, query: Query,
                      headers: HTTPHeaders, params: [String: String], upgrade: Bool, keepAlive: Bool)
    }

    private let config: APIServer.Shared
    private var context: ChannelHandlerContext?
    private var body = Body.none
    private var pending: Pending?
    private var inFlight = false
    private var requestEnded = true
    private var queued: [HTTPServerRequestPart] = []
    private var closeAfterResponse = false
    private var hijacked = false
    private var task: Task<Void, Never>?
    private var discarded = 0

    init(config: APIServer.Shared) {
        self.config = config
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data), context: context)
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if hijacked { return }
        // Pipelined request: wait until the current one is answered.
        if !queued.isEmpty || (inFlight && requestEnded) {
            queued.append(part)
            return
        }
        switch part {
        case .head(let head):
            begin(head, context: context)
        case .body(var chunk):
            switch body {
            case .buffering(var buffer):
                if buffer.readableBytes + chunk.readableBytes > config.maxBodySize {
                    body = .discarding
                    pending = nil
                    closeAfterResponse = true
                    respondEarly(.payloadTooLarge, "request body too large: the limit is \(config.maxBodySize) bytes", context: context)
                } else {
                    buffer.writeBuffer(&chunk)
                    body = .buffering(buffer)
                }
            case .streaming(let source):
                source.yield(chunk)
            case .discarding:
                // Read the rest of a refused body so that the client, still
                // sending, gets to read the answer; give up on endless ones.
                discarded += chunk.readableBytes
                if closeAfterResponse && discarded > 16 * config.maxBodySize { context.close(promise: nil) }
            case .none:
                break
            }
        case .end:
            requestEnded = true
            switch body {
            case .buffering(let buffer):
                body = .none
                if let pending { run(pending, body: buffer, stream: .empty, context: context) }
            case .streaming(let source):
                body = .none
                source.finish()
            case .none:
                if let pending { run(pending, body: nil, stream: .empty, context: context) }
            case .discarding:
                body = .none
            }
            pending = nil
            discarded = 0
            if !inFlight {
                if closeAfterResponse { context.close(promise: nil) } else { next(context: context) }
            }
        }
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        IdleMemory.noteActivity()
        inFlight = true
        requestEnded = false
        let uri = head.uri
        let pathPart = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = pathPart.first ?? "/"
        let query = Query(pathPart.count > 1 ? pathPart[1] : nil)
        let version: APIVersion
        let path: String
        do {
            (version, path) = try APIVersioning.split(rawPath)
        } catch {
            body = .discarding
            let (status, message) = ErrorMapping.response(for: error)
            return respondEarly(status, message, context: context, head: head)
        }
        switch config.router.match(head.method, path: path) {
        case .notFound:
            body = .discarding
            respondEarly(.notFound, "page not found", context: context, head: head)
        case .methodNotAllowed(let allowed):
            body = .discarding
            let names = allowed.map { "\($0)" }.joined(separator: ", ")
            respondEarly(.methodNotAllowed, "method \(head.method) not allowed for \(path) (allowed: \(names))",
                         context: context, head: head)
        case .found(let route, let params):
            let connectionTokens = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
            let upgrade = connectionTokens.contains("upgrade")
                && head.headers.first(name: "upgrade")?.lowercased() == "tcp"
            let request = Pending(route: route, request: (head.method, path, version, query, head.headers, params,
                                                          upgrade, head.isKeepAlive))
            switch route.body {
            case .buffered:
                pending = request
                body = .buffering(context.channel.allocator.buffer(capacity: 0))
            case .streamed:
                let source = InboundByteSource(channel: context.channel)
                body = .streaming(source)
                run(request, body: nil, stream: source.stream, context: context)
            }
        }
    }

    /// Runs the handler in a task: decode → backend → encode, errors mapped once.
    private func run(_ pending: Pending, body: ByteBuffer?, stream: ByteStream, context: ChannelHandlerContext) {
        let info = pending.request
        let request = APIRequest(method: info.method, path: info.path, version: info.version, query: info.query,
                                 headers: info.headers, params: info.params, body: body, bodyStream: stream,
                                 wantsUpgrade: info.upgrade)
        let writer = ResponseWriter(channel: context.channel,
                                    connection: NIOLoopBound(self, eventLoop: context.eventLoop),
                                    commonHeaders: config.commonHeaders, keepAlive: info.keepAlive,
                                    wantsUpgrade: info.upgrade, isHead: info.method == .HEAD)
        if !info.keepAlive { closeAfterResponse = true }
        let handler = pending.route.handler
        let logger = config.logger
        task = Task {
            let start = ContinuousClock.now
            do {
                try await handler(request, writer)
                await writer.complete()
            } catch {
                await writer.fail(error)
                let (status, message) = ErrorMapping.response(for: error)
                if error is IOError || error is ChannelError {
                    // The client went away mid-answer (docker CLI after an error line).
                    logger.debug("\(request.method) \(request.path): client gone: \(error)")
                } else if status == .internalServerError {
                    logger.error("\(request.method) \(request.path) failed: \(message)")
                }
            }
            let elapsed = ContinuousClock.now - start
            logger.debug("\(request.method) \(request.path) → \(writer.status?.code ?? 0) in \(elapsed)",
                         metadata: ["api-version": "\(request.version)"])
        }
    }

    /// Answers before the body was read (routing and size errors).
    private func respondEarly(_ status: HTTPResponseStatus, _ message: String, context: ChannelHandlerContext,
                              head: HTTPRequestHead? = nil) {
        if let head, !head.isKeepAlive { closeAfterResponse = true }
        var headers = config.commonHeaders
        headers.add(name: "Content-Type", value: "application/json")
        if closeAfterResponse { headers.add(name: "Connection", value: "close") }
        let payload = (try? JSONBody.encode(ErrorResponse(message: message))) ?? ByteBuffer()
        headers.add(name: "Content-Length", value: String(payload.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        config.logger.debug("\(head?.method ?? .POST) \(head?.uri ?? "") → \(status.code): \(message)")
        responseDone()
    }

    /// Called on the event loop once a response's end was written.
    func responseDone() {
        guard let context, inFlight else { return }
        inFlight = false
        task = nil
        if case .streaming(let source) = body {
            // Answered before the upload ended: drop the rest of it.
            source.finish()
            body = .discarding
            _ = context.channel.setOption(ChannelOptions.autoRead, value: true)
        }
        guard requestEnded else { return }  // `.end` finishes the request
        if closeAfterResponse {
            context.close(promise: nil)
        } else {
            next(context: context)
        }
    }

    /// Serves the next pipelined request, if any.
    private func next(context: ChannelHandlerContext) {
        guard !queued.isEmpty else { return }
        let parts = queued
        queued = []
        for part in parts { receive(part, context: context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // The client will send nothing more: finish what is in flight, then close.
            if inFlight || !queued.isEmpty { closeAfterResponse = true } else { context.close(promise: nil) }
            if case .streaming(let source) = body { source.finish() }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        if case .streaming(let source) = body {
            source.finish(error: BerthError(.cancelled, "the client closed the connection before the request body ended"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, !inFlight {
            respondEarly(.badRequest, "malformed HTTP request: \(error)", context: context)
        }
        context.close(promise: nil)
    }

    // MARK: Hijack

    /// Swaps the HTTP codec for a raw byte handler and writes `head` (the
    /// 101/200 response) as bytes: moby's `hijack` of the http.ResponseWriter.
    func hijack(head: ByteBuffer, multiplexed: Bool) throws -> RawConnection {
        guard let context else { throw BerthError(.unavailable, "the connection closed before it could be hijacked") }
        let channel = context.channel
        let pipeline = context.pipeline.syncOperations
        let source = InboundByteSource(channel: channel)
        hijacked = true
        task = nil
        try pipeline.addHandler(RawInboundHandler(source: source), position: .last)
        // The encoder only takes HTTP parts: remove it before writing bytes.
        _ = pipeline.removeHandler(name: Self.encoderName)
        context.writeAndFlush(NIOAny(head), promise: nil)
        // Remove ourselves before the decoder, which forwards the bytes it
        // holds after the request (stdin sent early) to the raw handler.
        _ = pipeline.removeHandler(context: context)
        _ = pipeline.removeHandler(name: Self.decoderName)
        return RawConnection(channel: channel, multiplexed: multiplexed, input: source.stream)
    }
}
