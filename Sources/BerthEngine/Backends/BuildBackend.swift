/// `/build` and `/build/prune` (moby's router/build/backend.go), the classic
/// builder's protocol: a tar context in, JSON progress out.
public protocol BuildBackend: Sendable {
    func build(_ options: BuildOptions, context: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error>
    func buildPrune(_ options: BuildPruneOptions) async throws -> BuildPruneResponse
}

/// The query and headers of `POST /build`.
public struct BuildOptions: Sendable, Equatable {
    public var dockerfile = "Dockerfile"
    /// `t`, repeated: names of the result.
    public var tags: [String] = []
    public var extraHosts: [String] = []
    /// A Git URL or tarball URL instead of the body.
    public var remote: String?
    public var quiet = false
    public var noCache = false
    public var cacheFrom: [String] = []
    public var pull = false
    public var remove = true
    public var forceRemove = false
    public var memory: Int64?
    public var memorySwap: Int64?
    public var cpuShares: Int64?
    public var cpusetCpus: String?
    public var cpuPeriod: Int64?
    public var cpuQuota: Int64?
    public var buildArgs: [String: String?] = [:]
    public var shmSize: Int64?
    public var squash = false
    public var labels: [String: String] = [:]
    public var networkMode: String?
    public var platform: String?
    public var target: String?
    public var outputs: String?
    /// `X-Registry-Config`: registry host → credentials.
    public var registryAuth: [String: AuthConfig] = [:]

    public init() {}
}

/// The query of `POST /build/prune`.
public struct BuildPruneOptions: Sendable, Equatable {
    public var all = false
    public var keepStorage: Int64?
    public var reservedSpace: Int64?
    public var maxUsedSpace: Int64?
    public var minFreeSpace: Int64?
    public var filters = Filters()

    public init() {}
}
