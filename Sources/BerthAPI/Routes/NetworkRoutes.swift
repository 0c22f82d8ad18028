import BerthEngine
import BerthSystem
import NIOHTTP1

/// Network routes (moby's router/network/network_routes.go).
enum NetworkRoutes {
    static func register(_ router: inout Router, _ backend: any NetworkBackend) {
        router.get("/networks") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["dangling", "driver", "id", "label", "name", "scope", "type"])
            try await writer.json(try await backend.networkList(filters: filters))
        }
        router.post("/networks/create") { request, writer in
            let create = try JSONBody.decode(NetworkCreateRequest.self, from: request)
            guard let name = create.name, !name.isEmpty else {
                throw BerthError.invalidArgument("network name must not be empty")
            }
            try await writer.json(try await backend.networkCreate(create), status: .created)
        }
        router.post("/networks/prune") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["until", "label", "label!"])
            try await writer.json(try await backend.networksPrune(filters: filters))
        }
        router.get("/networks/{id}") { request, writer in
            let network = try await backend.networkInspect(request.param("id"), verbose: request.query.bool("verbose"),
                                                           scope: request.query.nonEmpty("scope"))
            try await writer.json(network)
        }
        router.delete("/networks/{id}") { request, writer in
            try await backend.networkRemove(request.param("id"))
            try await writer.respond(.noContent)
        }
        router.post("/networks/{id}/connect") { request, writer in
            let connect = try JSONBody.decode(NetworkConnectRequest.self, from: request)
            try await backend.networkConnect(request.param("id"), connect)
            try await writer.respond(.ok)
        }
        router.post("/networks/{id}/disconnect") { request, writer in
            let disconnect = try JSONBody.decode(NetworkDisconnectRequest.self, from: request)
            try await backend.networkDisconnect(request.param("id"), disconnect)
            try await writer.respond(.ok)
        }
    }
}
