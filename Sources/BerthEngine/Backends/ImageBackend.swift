/// The image routes (moby's router/image/backend.go) and
/// `/distribution/{name}/json`. Unknown images throw `.notFound` with
/// "No such image: <name>".
public protocol ImageBackend: Sendable {
    /// `POST /images/create?fromImage=`: progress messages until the pull is done.
    func imagePull(_ options: ImagePullOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error>
    /// `POST /images/create?fromSrc=`: `source` is the request body when fromSrc is "-".
    func imageImport(_ options: ImageImportOptions, source: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error>
    func imageList(_ options: ImageListOptions) async throws -> [ImageSummary]
    func imageInspect(_ name: String, manifests: Bool) async throws -> ImageInspect
    func imageHistory(_ name: String, platform: String?) async throws -> [ImageHistoryResponseItem]
    func imagePush(_ name: String, options: ImagePushOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error>
    func imageTag(_ name: String, repo: String, tag: String?) async throws
    func imageRemove(_ name: String, options: ImageRemoveOptions) async throws -> [ImageDeleteResponseItem]
    func imageSearch(_ term: String, limit: Int?, filters: Filters, auth: AuthConfig?) async throws -> [ImageSearchResponseItem]
    func imagesPrune(filters: Filters) async throws -> ImagePruneResponse
    /// `GET /images/get` and `/images/{name}/get`: a docker-archive tar.
    func imageSave(_ names: [String], platforms: [String]) async throws -> ByteStream
    /// `POST /images/load`: progress (or a final "Loaded image" message when quiet).
    func imageLoad(_ archive: ByteStream, quiet: Bool, platforms: [String]) async throws -> AsyncThrowingStream<JSONMessage, any Error>
    func distributionInspect(_ name: String, auth: AuthConfig?) async throws -> DistributionInspect
}

/// The query and `X-Registry-Auth` of a pull.
public struct ImagePullOptions: Sendable, Equatable {
    public var fromImage: String
    public var tag: String?
    public var platform: String?
    public var auth: AuthConfig?

    public init(fromImage: String, tag: String? = nil, platform: String? = nil, auth: AuthConfig? = nil) {
        self.fromImage = fromImage
        self.tag = tag
        self.platform = platform
        self.auth = auth
    }
}

/// The query of an import (`fromSrc`).
public struct ImageImportOptions: Sendable, Equatable {
    /// "-" (the request body) or a URL.
    public var fromSrc: String
    public var repo: String?
    public var tag: String?
    public var message: String?
    /// Dockerfile instructions (`changes`, repeated).
    public var changes: [String] = []
    public var platform: String?

    public init(fromSrc: String) {
        self.fromSrc = fromSrc
    }
}

/// The query of `GET /images/json`.
public struct ImageListOptions: Sendable, Equatable {
    public var all = false
    public var filters = Filters()
    public var sharedSize = false
    public var digests = false
    public var manifests = false

    public init() {}
}

/// The query and `X-Registry-Auth` of a push.
public struct ImagePushOptions: Sendable, Equatable {
    public var tag: String?
    public var platform: String?
    public var auth: AuthConfig?

    public init(tag: String? = nil, platform: String? = nil, auth: AuthConfig? = nil) {
        self.tag = tag
        self.platform = platform
        self.auth = auth
    }
}

/// The query of `DELETE /images/{name}`.
public struct ImageRemoveOptions: Sendable, Equatable {
    public var force = false
    public var noPrune = false
    public var platforms: [String] = []

    public init(force: Bool = false, noPrune: Bool = false) {
        self.force = force
        self.noPrune = noPrune
    }
}
