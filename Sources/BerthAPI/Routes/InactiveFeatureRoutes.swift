import BerthEngine
import BerthSystem

/// Features berth does not have, answered as dockerd answers with swarm
/// inactive and no plugins installed (daemon/cluster/errors.go,
/// plugin/errors.go), so clients degrade gracefully.
enum InactiveFeatureRoutes {
    /// moby's errNoManager with the node outside any swarm.
    static let notManager = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."
    /// moby's errNoSwarm.
    static let noSwarm = "This node is not part of a swarm"

    static func register(_ router: inout Router) {
        func unavailable(_ message: String) -> RouteHandler {
            { _, _ in throw BerthError.unavailable(message) }
        }
        func unsupported(_ message: String) -> RouteHandler {
            { _, _ in throw BerthError(.notImplemented, message) }
        }
        // Swarm.
        router.get("/swarm", unavailable(notManager))
        router.post("/swarm/init", unsupported("swarm mode is not supported by berth"))
        router.post("/swarm/join", unsupported("swarm mode is not supported by berth"))
        router.post("/swarm/leave", unavailable(noSwarm))
        router.post("/swarm/update", unavailable(notManager))
        router.get("/swarm/unlockkey", unavailable(notManager))
        router.post("/swarm/unlock", unavailable(noSwarm))
        for kind in ["services", "nodes", "tasks", "secrets", "configs"] {
            router.get("/\(kind)", unavailable(notManager))
            router.get("/\(kind)/{id}", unavailable(notManager))
            router.delete("/\(kind)/{id}", unavailable(notManager))
            router.post("/\(kind)/{id}/update", unavailable(notManager))
        }
        for kind in ["services", "secrets", "configs"] {
            router.post("/\(kind)/create", unavailable(notManager))
        }
        router.get("/services/{id}/logs", unavailable(notManager))
        router.get("/tasks/{id}/logs", unavailable(notManager))

        // Plugins: none installed, none can be.
        router.get("/plugins") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["capability", "enable"])
            try await writer.json([Plugin]())
        }
        router.get("/plugins/privileges", unsupported("plugins are not supported by berth"))
        router.post("/plugins/pull", unsupported("plugins are not supported by berth"))
        router.post("/plugins/create", unsupported("plugins are not supported by berth"))
        let notFound: RouteHandler = { request, _ in
            throw BerthError.notFound("plugin \"\(request.param("name"))\" not found")
        }
        router.get("/plugins/{name*}/json", notFound)
        router.delete("/plugins/{name*}", notFound)
        for action in ["enable", "disable", "push", "set", "upgrade"] {
            router.post("/plugins/{name*}/\(action)", notFound)
        }

        // BuildKit sessions: berth builds with the classic builder only.
        router.post("/session", unsupported("BuildKit sessions are not supported by berth: it has the classic builder only"))
    }
}
