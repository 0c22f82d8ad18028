import BerthEngine
import BerthSystem
import NIOCore
import NIOHTTP1

/// The route table of the whole API, one file per router as moby's
/// server/router/*: each registers its routes and keeps decoding apart from
/// the backend call.
enum Routes {
    static func make(_ backends: Backends) -> Router {
        var router = Router()
        SystemRoutes.register(&router, backends.system)
        ContainerRoutes.register(&router, backends.containers)
        ContainerStreamRoutes.register(&router, backends.containers)
        ArchiveRoutes.register(&router, backends.containers)
        ExecRoutes.register(&router, backends.exec)
        ImageRoutes.register(&router, backends.images, containers: backends.containers)
        BuildRoutes.register(&router, backends.build)
        NetworkRoutes.register(&router, backends.networks)
        VolumeRoutes.register(&router, backends.volumes)
        InactiveFeatureRoutes.register(&router)
        return router
    }
}

/// Writing streamed answers the way dockerd does.
enum StreamWriting {
    /// JSON values one per line, each flushed (`/events`, `/stats`): Go's
    /// `json.Encoder` ends each value with "\n".
    static func jsonLines<S: AsyncSequence>(_ values: S, to writer: ResponseWriter) async throws where S.Element: Encodable & Sendable {
        try await writer.startStream(contentType: "application/json")
        for try await value in values {
            var buffer = try JSONBody.encode(value)
            buffer.writeString("\n")
            try await writer.write(buffer)
        }
        try await writer.finishStream()
    }

    /// Progress messages (pull, push, load, import, build) with moby's
    /// streamformatter "\r\n" separator. The head is sent with the first
    /// message, so a failure before it is a plain HTTP error; a failure after
    /// it becomes an `error`/`errorDetail` message, which clients print.
    static func progress(_ messages: AsyncThrowingStream<JSONMessage, any Error>, to writer: ResponseWriter) async throws {
        do {
            for try await message in messages {
                if !writer.headSent { try await writer.startStream(contentType: "application/json") }
                var buffer = try JSONBody.encode(message)
                buffer.writeString("\r\n")
                try await writer.write(buffer)
            }
        } catch {
            guard writer.headSent else { throw error }
            let (_, text) = ErrorMapping.response(for: error)
            var buffer = try JSONBody.encode(JSONMessage.failure(text))
            buffer.writeString("\r\n")
            try? await writer.write(buffer)
        }
        if !writer.headSent { try await writer.startStream(contentType: "application/json") }
        try await writer.finishStream()
    }

    /// Raw bytes (tar archives).
    static func bytes(_ stream: ByteStream, contentType: String, headers: HTTPHeaders = [:], to writer: ResponseWriter) async throws {
        try await writer.startStream(contentType: contentType, headers: headers)
        for try await chunk in stream {
            try await writer.write(ByteBuffer(bytes: chunk))
        }
        try await writer.finishStream()
    }
}

extension APIRequest {
    /// `h`/`w` of the resize routes, required and numeric as moby checks them.
    func terminalSize() throws -> (height: Int, width: Int) {
        guard let height = try query.int("h"), let width = try query.int("w"), height >= 0, width >= 0 else {
            throw BerthError.invalidArgument("resize needs the height h and width w as non-negative integers")
        }
        return (height, width)
    }
}
