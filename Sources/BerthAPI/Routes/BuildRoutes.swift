import BerthEngine
import BerthSystem
import NIOHTTP1

/// `/build` and `/build/prune` (moby's router/build/build_routes.go).
enum BuildRoutes {
    static func register(_ router: inout Router, _ backend: any BuildBackend) {
        router.post("/build", body: .streamed) { request, writer in
            let options = try buildOptions(request)
            let messages = try await backend.build(options, context: request.bodyStream)
            try await StreamWriting.progress(messages, to: writer)
        }
        router.post("/build/prune") { request, writer in
            var options = BuildPruneOptions()
            options.all = request.query.bool("all")
            options.keepStorage = try request.query.int64("keep-storage")
            options.reservedSpace = try request.query.int64("reserved-space")
            options.maxUsedSpace = try request.query.int64("max-used-space")
            options.minFreeSpace = try request.query.int64("min-free-space")
            options.filters = try request.query.filters()
            try await writer.json(try await backend.buildPrune(options))
        }
    }

    /// The query of a build, parsed as moby's `newImageBuildOptions`.
    static func buildOptions(_ request: APIRequest) throws -> BuildOptions {
        let query = request.query
        if let version = query.nonEmpty("version"), version != "1" {
            throw BerthError.invalidArgument("builder version \(version) is not supported by berth: only the classic builder (version=1)")
        }
        var options = BuildOptions()
        options.dockerfile = query.nonEmpty("dockerfile") ?? "Dockerfile"
        options.tags = query.all("t").filter { !$0.isEmpty }
        options.extraHosts = (query.nonEmpty("extrahosts") ?? "").split(separator: ",").map(String.init)
        options.remote = query.nonEmpty("remote")
        options.quiet = query.bool("q")
        options.noCache = query.bool("nocache")
        options.cacheFrom = try query.json("cachefrom", as: [String].self) ?? []
        options.pull = query.bool("pull")
        options.remove = query.bool("rm", default: true)
        options.forceRemove = query.bool("forcerm")
        options.memory = try query.int64("memory")
        options.memorySwap = try query.int64("memswap")
        options.cpuShares = try query.int64("cpushares")
        options.cpusetCpus = query.nonEmpty("cpusetcpus")
        options.cpuPeriod = try query.int64("cpuperiod")
        options.cpuQuota = try query.int64("cpuquota")
        options.buildArgs = try query.json("buildargs", as: [String: String?].self) ?? [:]
        options.shmSize = try query.int64("shmsize")
        options.squash = query.bool("squash")
        options.labels = try query.json("labels", as: [String: String].self) ?? [:]
        options.networkMode = query.nonEmpty("networkmode")
        options.platform = query.nonEmpty("platform")
        options.target = query.nonEmpty("target")
        options.outputs = query.nonEmpty("outputs")
        if let header = request.headers.first(name: "X-Registry-Config") {
            options.registryAuth = try AuthConfig.registryConfigHeader(header)
        }
        return options
    }
}
