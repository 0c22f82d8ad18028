import BerthEngine
import BerthSystem
import NIOCore

/// Container routes that stream: logs, stats, export, attach, wait.
enum ContainerStreamRoutes {
    static func register(_ router: inout Router, _ backend: any ContainerBackend) {
        router.get("/containers/{name}/logs") { request, writer in
            let query = request.query
            var options = LogsOptions()
            options.stdout = query.bool("stdout")
            options.stderr = query.bool("stderr")
            // moby: "Bad parameters: you must choose at least one stream".
            guard options.stdout || options.stderr else {
                throw BerthError.invalidArgument("Bad parameters: you must choose at least one stream")
            }
            options.follow = query.bool("follow")
            options.since = try query.timestamp("since")
            options.until = try query.timestamp("until")
            options.timestamps = query.bool("timestamps")
            options.details = query.bool("details")
            if let tail = query.nonEmpty("tail"), tail != "all" {
                guard let lines = Int(tail) else {
                    throw BerthError.invalidArgument("invalid value for tail: \"\(tail)\" is not a number or \"all\"")
                }
                options.tail = lines < 0 ? nil : lines
            }
            let logs = try await backend.containerLogs(request.param("name"), options: options)
            // Since 1.42 dockerd names the multiplexed format in Content-Type.
            let multiplexed = !logs.tty
            let contentType = multiplexed && request.version >= APIVersion(1, 42)
                ? StdCopy.multiplexedContentType : StdCopy.rawContentType
            try await writer.startStream(contentType: contentType)
            for try await frame in logs.frames {
                var payload = frame.bytes
                if options.timestamps, let stamp = frame.timestamp {
                    payload = Array((stamp + " ").utf8) + payload
                }
                let buffer = multiplexed ? StdCopy.frame(payload, stream: frame.stream) : ByteBuffer(bytes: payload)
                try await writer.write(buffer)
            }
            try await writer.finishStream()
        }
        router.get("/containers/{name}/stats") { request, writer in
            let options = StatsOptions(stream: request.query.bool("stream", default: true),
                                       oneShot: request.query.bool("one-shot"))
            if options.oneShot && options.stream {
                throw BerthError.invalidArgument("cannot have stream=true and one-shot=true")
            }
            let samples = try await backend.containerStats(request.param("name"), options: options)
            if options.stream {
                try await StreamWriting.jsonLines(samples, to: writer)
            } else {
                for try await sample in samples {
                    try await writer.json(sample)
                    return
                }
                throw BerthError.internalError("no stats sample for container \(request.param("name"))")
            }
        }
        router.get("/containers/{name}/export") { request, writer in
            let archive = try await backend.containerExport(request.param("name"))
            try await StreamWriting.bytes(archive, contentType: "application/x-tar", to: writer)
        }
        router.post("/containers/{name}/attach") { request, writer in
            let query = request.query
            var options = AttachOptions()
            options.stream = query.bool("stream")
            options.logs = query.bool("logs")
            options.stdin = query.bool("stdin")
            options.stdout = query.bool("stdout")
            options.stderr = query.bool("stderr")
            options.detachKeys = query.nonEmpty("detachKeys")
            try await backend.containerAttach(request.param("name"), options: options,
                                              connection: HijackHandoff(writer: writer))
        }
        router.get("/containers/{name}/attach/ws") { _, _ in
            throw BerthError(.notImplemented, "attach over websocket is not supported by berth; use POST /containers/{id}/attach")
        }
        router.post("/containers/{name}/wait") { request, writer in
            let text = request.query.nonEmpty("condition") ?? WaitCondition.notRunning.rawValue
            guard let condition = WaitCondition(rawValue: text) else {
                throw BerthError.invalidArgument("invalid condition: \"\(text)\" (want not-running, next-exit or removed)")
            }
            let pending = try await backend.containerWait(request.param("name"), condition: condition)
            // dockerd sends the headers once the wait is registered, the body at exit.
            try await writer.startStream(contentType: "application/json")
            var response: ContainerWaitResponse
            do {
                response = try await pending.result()
            } catch {
                let (_, message) = ErrorMapping.response(for: error)
                response = ContainerWaitResponse(statusCode: -1, error: ContainerWaitExitError(message: message))
            }
            var buffer = try JSONBody.encode(response)
            buffer.writeString("\n")
            try await writer.write(buffer)
            try await writer.finishStream()
        }
    }
}
