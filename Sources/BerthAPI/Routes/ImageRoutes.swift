import BerthEngine
import BerthSystem
import NIOHTTP1

/// Image routes (moby's router/image/image_routes.go) and
/// `/distribution/{name}/json`. Image names contain slashes: `{name*}`.
enum ImageRoutes {
    static func register(_ router: inout Router, _ backend: any ImageBackend, containers: any ContainerBackend) {
        router.post("/images/create", body: .streamed) { request, writer in
            let query = request.query
            let platform = query.nonEmpty("platform")
            if let image = query.nonEmpty("fromImage") {
                let options = ImagePullOptions(fromImage: image, tag: query.nonEmpty("tag"), platform: platform,
                                               auth: try request.registryAuth())
                try await StreamWriting.progress(try await backend.imagePull(options), to: writer)
            } else if let source = query.nonEmpty("fromSrc") {
                var options = ImageImportOptions(fromSrc: source)
                options.repo = query.nonEmpty("repo")
                options.tag = query.nonEmpty("tag")
                options.message = query.nonEmpty("message")
                options.changes = query.all("changes").filter { !$0.isEmpty }
                options.platform = platform
                let messages = try await backend.imageImport(options, source: request.bodyStream)
                try await StreamWriting.progress(messages, to: writer)
            } else {
                throw BerthError.invalidArgument("images/create needs fromImage (pull) or fromSrc (import)")
            }
        }
        router.get("/images/json") { request, writer in
            var options = ImageListOptions()
            options.all = request.query.bool("all")
            options.filters = try request.query.filters()
            options.sharedSize = request.query.bool("shared-size")
            options.digests = request.query.bool("digests")
            options.manifests = request.query.bool("manifests")
            try await writer.json(try await backend.imageList(options))
        }
        router.get("/images/search") { request, writer in
            guard let term = request.query.nonEmpty("term") else {
                throw BerthError.invalidArgument("search needs the query parameter term")
            }
            let results = try await backend.imageSearch(term, limit: try request.query.int("limit"),
                                                        filters: try request.query.filters(),
                                                        auth: try request.registryAuth())
            try await writer.json(results)
        }
        router.post("/images/prune") { request, writer in
            let filters = try request.query.filters()
            try filters.validate(allowed: ["dangling", "until", "label", "label!"])
            try await writer.json(try await backend.imagesPrune(filters: filters))
        }
        router.get("/images/get") { request, writer in
            let names = request.query.all("names").filter { !$0.isEmpty }
            guard !names.isEmpty else { throw BerthError.invalidArgument("images/get needs at least one names parameter") }
            let archive = try await backend.imageSave(names, platforms: request.query.all("platform"))
            try await StreamWriting.bytes(archive, contentType: "application/x-tar", to: writer)
        }
        router.post("/images/load", body: .streamed) { request, writer in
            let messages = try await backend.imageLoad(request.bodyStream, quiet: request.query.bool("quiet"),
                                                       platforms: request.query.all("platform"))
            try await StreamWriting.progress(messages, to: writer)
        }
        router.get("/images/{name*}/json") { request, writer in
            let inspect = try await backend.imageInspect(request.param("name"), manifests: request.query.bool("manifests"))
            try await writer.json(inspect)
        }
        router.get("/images/{name*}/history") { request, writer in
            let history = try await backend.imageHistory(request.param("name"), platform: request.query.nonEmpty("platform"))
            try await writer.json(history)
        }
        router.get("/images/{name*}/get") { request, writer in
            let archive = try await backend.imageSave([request.param("name")], platforms: request.query.all("platform"))
            try await StreamWriting.bytes(archive, contentType: "application/x-tar", to: writer)
        }
        router.post("/images/{name*}/push") { request, writer in
            let options = ImagePushOptions(tag: request.query.nonEmpty("tag"), platform: request.query.nonEmpty("platform"),
                                           auth: try request.registryAuth())
            try await StreamWriting.progress(try await backend.imagePush(request.param("name"), options: options), to: writer)
        }
        router.post("/images/{name*}/tag") { request, writer in
            guard let repo = request.query.nonEmpty("repo") else {
                throw BerthError.invalidArgument("tag needs the query parameter repo")
            }
            try await backend.imageTag(request.param("name"), repo: repo, tag: request.query.nonEmpty("tag"))
            try await writer.respond(.created)
        }
        router.delete("/images/{name*}") { request, writer in
            var options = ImageRemoveOptions(force: request.query.bool("force"), noPrune: request.query.bool("noprune"))
            options.platforms = request.query.all("platforms").filter { !$0.isEmpty }
            try await writer.json(try await backend.imageRemove(request.param("name"), options: options))
        }
        router.get("/distribution/{name*}/json") { request, writer in
            try await writer.json(try await backend.distributionInspect(request.param("name"), auth: try request.registryAuth()))
        }
    }
}
