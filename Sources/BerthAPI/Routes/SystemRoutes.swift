import BerthEngine
import BerthSystem
import NIOCore
import NIOHTTP1

/// `/_ping`, `/version`, `/info`, `/events`, `/system/df`, `/auth`
/// (moby's router/system).
enum SystemRoutes {
    static func register(_ router: inout Router, _ backend: any SystemBackend) {
        router.get("/_ping") { _, writer in
            try await writer.respond(.ok, headers: pingHeaders(), body: ByteBuffer(string: "OK"))
        }
        router.head("/_ping") { _, writer in
            try await writer.respond(.ok, headers: pingHeaders())
        }
        router.get("/version") { _, writer in
            try await writer.json(try await backend.version())
        }
        router.get("/info") { _, writer in
            try await writer.json(try await backend.info())
        }
        router.get("/events") { request, writer in
            let options = EventsOptions(since: try request.query.timestamp("since"),
                                        until: try request.query.timestamp("until"),
                                        filters: try request.query.filters())
            let events = try await backend.events(options)
            try await StreamWriting.jsonLines(events.map(LegacyEvent.init), to: writer)
        }
        router.get("/system/df") { request, writer in
            let types = Set(request.query.all("type"))
            let allowed: Set<String> = ["container", "image", "volume", "build-cache"]
            if let bad = types.subtracting(allowed).sorted().first {
                throw BerthError.invalidArgument("unknown object type: \(bad)")
            }
            try await writer.json(try await backend.dataUsage(types: types))
        }
        router.post("/auth") { request, writer in
            let config = try JSONBody.decode(AuthConfig.self, from: request)
            try await writer.json(try await backend.authenticate(config))
        }
    }

    /// dockerd's pingHandler headers: no caching, the classic builder, swarm off.
    private static func pingHeaders() -> HTTPHeaders {
        [
            "Content-Type": "text/plain; charset=utf-8",
            "Cache-Control": "no-cache, no-store, must-revalidate",
            "Pragma": "no-cache",
            "Builder-Version": "1",
            "Swarm": "inactive",
        ]
    }
}

/// An event with the fields dockerd still sends beside Type/Action/Actor:
/// `status` (the action) and `id` for container and image events, `from`
/// (the image) for container events. docker-compose 1.29 reads `id` and `status`.
struct LegacyEvent: Encodable, Sendable {
    let message: EventMessage

    enum Keys: String, CodingKey { case status, id, from }

    func encode(to encoder: any Encoder) throws {
        try message.encode(to: encoder)
        guard message.type == "container" || message.type == "image" else { return }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(message.action, forKey: .status)
        try container.encodeIfPresent(message.actor?.id, forKey: .id)
        guard message.type == "container" else { return }
        try container.encodeIfPresent(message.actor?.attributes?["image"], forKey: .from)
    }
}
