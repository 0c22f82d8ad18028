import BerthAPIModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Image calls (the API's /images routes, /build, /auth).
extension EngineClient {
    static func image(_ name: String) -> String { "/images/" + Query.pathSegment(name) }

    /// The `X-Registry-Auth` header for credentials (docker sends `{}` base64'd when anonymous).
    static func authHeader(_ auth: AuthConfig?) throws -> [(String, String)] {
        [("X-Registry-Auth", try (auth ?? AuthConfig()).registryAuthHeader())]
    }

    /// `POST /images/create?fromImage=`: pulls; the response is the progress stream
    /// (read it with `forEachMessage`).
    public func imagePull(_ reference: String, platform: String? = nil, auth: AuthConfig? = nil) throws -> Response {
        var query: Query = ["fromImage": reference]
        query.add("platform", platform)
        return try checked(Request(method: "POST", path: "/images/create", query: query, headers: try Self.authHeader(auth)))
    }

    /// `POST /images/{name}/push`: the progress stream.
    public func imagePush(_ name: String, tag: String? = nil, auth: AuthConfig? = nil) throws -> Response {
        var query = Query()
        query.add("tag", tag)
        return try checked(Request(method: "POST", path: Self.image(name) + "/push", query: query, headers: try Self.authHeader(auth)))
    }

    /// `GET /images/json`.
    public func imageList(all: Bool = false, digests: Bool = false, filters: [String: [String]] = [:]) throws -> [ImageSummary] {
        var query = Query()
        query.flag("all", all)
        query.flag("digests", digests)
        query.filters(filters)
        return try get([ImageSummary].self, "/images/json", query: query)
    }

    /// `GET /images/{name}/json`.
    public func imageInspect(_ name: String) throws -> ImageInspect {
        try get(ImageInspect.self, Self.image(name) + "/json")
    }

    /// `GET /images/{name}/history`.
    public func imageHistory(_ name: String) throws -> [ImageHistoryResponseItem] {
        try get([ImageHistoryResponseItem].self, Self.image(name) + "/history")
    }

    /// `POST /images/{name}/tag`.
    public func imageTag(_ source: String, repo: String, tag: String?) throws {
        var query: Query = ["repo": repo]
        query.add("tag", tag)
        try post(Self.image(source) + "/tag", query: query)
    }

    /// `DELETE /images/{name}`.
    public func imageRemove(_ name: String, force: Bool = false, noPrune: Bool = false) throws -> [ImageDeleteResponseItem] {
        var query = Query()
        query.flag("force", force)
        query.flag("noprune", noPrune)
        return try decode([ImageDeleteResponseItem].self, Request(method: "DELETE", path: Self.image(name), query: query))
    }

    /// `GET /images/get?names=…`: a tar stream of the images.
    public func imageSave(_ names: [String]) throws -> Response {
        var query = Query()
        for name in names { query.add("names", name) }
        return try checked(Request(method: "GET", path: "/images/get", query: query))
    }

    /// `POST /images/load`: sends the archive; the response is a progress stream.
    public func imageLoad(quiet: Bool = false, archive: @escaping () throws -> [UInt8]?) throws -> Response {
        var query = Query()
        query.flag("quiet", quiet)
        return try checked(Request(method: "POST", path: "/images/load", query: query,
                                   body: .stream(contentType: "application/x-tar", next: archive)))
    }

    /// `POST /images/create?fromSrc=-`: a root filesystem tar as a new image.
    public func imageImport(repo: String?, tag: String?, message: String?, changes: [String],
                            archive: @escaping () throws -> [UInt8]?) throws -> Response {
        var query: Query = ["fromSrc": "-"]
        query.add("repo", repo)
        query.add("tag", tag)
        query.add("message", message)
        for change in changes { query.add("changes", change) }
        return try checked(Request(method: "POST", path: "/images/create", query: query,
                                   body: .stream(contentType: "application/x-tar", next: archive)))
    }

    /// `POST /images/prune`.
    public func imagesPrune(filters: [String: [String]] = [:]) throws -> ImagePruneResponse {
        var query = Query()
        query.filters(filters)
        return try post(ImagePruneResponse.self, "/images/prune", query: query)
    }

    /// `POST /build` with a tar of the context; `query` carries docker's build
    /// parameters (t, dockerfile, buildargs, target, nocache, pull, labels, q).
    /// The response is the build's JSON-lines stream.
    public func build(query: Query, registryConfig: [String: AuthConfig] = [:],
                      context: @escaping () throws -> [UInt8]?) throws -> Response {
        var headers: [(String, String)] = []
        if !registryConfig.isEmpty {
            let json = try JSONCoding.encoder.encode(registryConfig)
            headers.append(("X-Registry-Config", json.base64EncodedString().replacing("+", with: "-").replacing("/", with: "_")))
        }
        return try checked(Request(method: "POST", path: "/build", query: query, headers: headers,
                                   body: .stream(contentType: "application/x-tar", next: context)))
    }

    /// `POST /auth`: checks credentials against a registry through the daemon.
    public func auth(_ config: AuthConfig) throws -> SystemAuthResponse {
        try post(SystemAuthResponse.self, "/auth", json: config)
    }
}
