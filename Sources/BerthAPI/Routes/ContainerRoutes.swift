import BerthEngine
import BerthSystem
import NIOCore
import NIOHTTP1

/// Container lifecycle routes (moby's router/container/container_routes.go).
enum ContainerRoutes {
    static func register(_ router: inout Router, _ backend: any ContainerBackend) {
        router.get("/containers/json") { request, writer in
            let query = request.query
            let options = ContainerListOptions(all: query.bool("all"), limit: try query.int("limit"),
                                               size: query.bool("size"), filters: try query.filters(),
                                               version: request.version)
            try await writer.json(try await backend.containerList(options))
        }
        router.post("/containers/create") { request, writer in
            let config = try JSONBody.decode(ContainerCreateRequest.self, from: request)
            let options = ContainerCreateOptions(name: request.query.nonEmpty("name"),
                                                 platform: request.query.nonEmpty("platform"),
                                                 version: request.version)
            try await writer.json(try await backend.containerCreate(config, options: options), status: .created)
        }
        router.get("/containers/{name}/json") { request, writer in
            let inspect = try await backend.containerInspect(request.param("name"), size: request.query.bool("size"),
                                                             version: request.version)
            try await writer.json(inspect)
        }
        router.get("/containers/{name}/top") { request, writer in
            let top = try await backend.containerTop(request.param("name"), psArgs: request.query.string("ps_args") ?? "-ef")
            try await writer.json(top)
        }
        router.get("/containers/{name}/changes") { request, writer in
            try await writer.json(try await backend.containerChanges(request.param("name")))
        }
        router.post("/containers/{name}/resize") { request, writer in
            let size = try request.terminalSize()
            try await backend.containerResize(request.param("name"), height: size.height, width: size.width)
            try await writer.respond(.ok)
        }
        router.post("/containers/{name}/start") { request, writer in
            try await notModifiedIfAlready(writer) {
                try await backend.containerStart(request.param("name"), detachKeys: request.query.nonEmpty("detachKeys"))
            }
        }
        router.post("/containers/{name}/stop") { request, writer in
            let options = StopOptions(timeout: try request.query.int("t"), signal: request.query.nonEmpty("signal"))
            try await notModifiedIfAlready(writer) {
                try await backend.containerStop(request.param("name"), options: options)
            }
        }
        router.post("/containers/{name}/restart") { request, writer in
            let options = StopOptions(timeout: try request.query.int("t"), signal: request.query.nonEmpty("signal"))
            try await backend.containerRestart(request.param("name"), options: options)
            try await writer.respond(.noContent)
        }
        router.post("/containers/{name}/kill") { request, writer in
            try await backend.containerKill(request.param("name"), signal: request.query.nonEmpty("signal"))
            try await writer.respond(.noContent)
        }
        router.post("/containers/{name}/update") { request, writer in
            let update = try JSONBody.decode(ContainerUpdateRequest.self, from: request)
            try await writer.json(try await backend.containerUpdate(request.param("name"), update))
        }
        router.post("/containers/{name}/rename") { request, writer in
            guard let newName = request.query.nonEmpty("name") else {
                throw BerthError.invalidArgument("rename needs the new name in the query parameter name")
            }
            try await backend.containerRename(request.param("name"), to: newName)
            try await writer.respond(.noContent)
        }
        router.post("/containers/{name}/pause") { request, writer in
            try await backend.containerPause(request.param("name"))
            try await writer.respond(.noContent)
        }
        router.post("/containers/{name}/unpause") { request, writer in
            try await backend.containerUnpause(request.param("name"))
            try await writer.respond(.noContent)
        }
        router.delete("/containers/{name}") { request, writer in
            let options = RemoveOptions(removeVolumes: request.query.bool("v"), force: request.query.bool("force"),
                                        removeLink: request.query.bool("link"))
            try await backend.containerRemove(request.param("name"), options: options)
            try await writer.respond(.noContent)
        }
        router.post("/containers/prune") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["until", "label", "label!"])
            try await writer.json(try await backend.containersPrune(filters: filters))
        }
        router.post("/commit") { request, writer in
            guard let container = request.query.nonEmpty("container") else {
                throw BerthError.invalidArgument("commit needs the query parameter container")
            }
            var options = CommitOptions()
            options.repo = request.query.nonEmpty("repo")
            options.tag = request.query.nonEmpty("tag")
            options.comment = request.query.nonEmpty("comment")
            options.author = request.query.nonEmpty("author")
            options.pause = request.query.bool("pause", default: true)
            options.changes = request.query.all("changes").filter { !$0.isEmpty }
            options.config = try JSONBody.decode(ContainerConfig?.self, from: request, empty: .some(nil))
            try await writer.json(try await backend.containerCommit(container, options: options), status: .created)
        }
    }

    /// start/stop on a container already in that state: `304` and no body.
    private static func notModifiedIfAlready(_ writer: ResponseWriter, _ body: () async throws -> Void) async throws {
        do {
            try await body()
            try await writer.respond(.noContent)
        } catch is AlreadyInState {
            try await writer.respond(.notModified)
        }
    }
}
