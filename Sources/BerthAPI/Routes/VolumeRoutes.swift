import BerthEngine
import BerthSystem
import NIOHTTP1

/// Volume routes (moby's router/volume/volume_routes.go).
enum VolumeRoutes {
    static func register(_ router: inout Router, _ backend: any VolumeBackend) {
        router.get("/volumes") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["dangling", "driver", "label", "name"])
            try await writer.json(try await backend.volumeList(filters: filters))
        }
        router.post("/volumes/create") { request, writer in
            let options = try JSONBody.decode(VolumeCreateOptions.self, from: request)
            try await writer.json(try await backend.volumeCreate(options), status: .created)
        }
        router.post("/volumes/prune") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["label", "label!", "all"])
            try await writer.json(try await backend.volumesPrune(filters: filters))
        }
        router.get("/volumes/{name}") { request, writer in
            try await writer.json(try await backend.volumeInspect(request.param("name")))
        }
        router.put("/volumes/{name}") { _, _ in
            // Cluster volumes only; dockerd without swarm answers so.
            throw BerthError.unavailable("volume update only valid for cluster volumes, but swarm is unavailable")
        }
        router.delete("/volumes/{name}") { request, writer in
            try await backend.volumeRemove(request.param("name"), force: request.query.bool("force"))
            try await writer.respond(.noContent)
        }
    }
}
