import BerthAPIModel

/// System, network and volume calls.
extension EngineClient {
    /// `GET /version`.
    public func version() throws -> SystemVersion { try get(SystemVersion.self, "/version") }

    /// `GET /info`.
    public func info() throws -> SystemInfo { try get(SystemInfo.self, "/info") }

    /// `GET /system/df`.
    public func systemDataUsage() throws -> SystemDataUsageResponse { try get(SystemDataUsageResponse.self, "/system/df") }

    /// `GET /events`: a JSON-lines stream of `EventMessage` (read it with `forEachJSON`).
    public func events(since: String? = nil, until: String? = nil, filters: [String: [String]] = [:]) throws -> Response {
        var query = Query()
        query.add("since", since)
        query.add("until", until)
        query.filters(filters)
        return try checked(Request(method: "GET", path: "/events", query: query))
    }

    /// `GET /networks`.
    public func networkList(filters: [String: [String]] = [:]) throws -> [Network] {
        var query = Query()
        query.filters(filters)
        return try get([Network].self, "/networks", query: query)
    }

    /// `GET /networks/{id}`.
    public func networkInspect(_ id: String) throws -> Network {
        try get(Network.self, "/networks/" + Query.pathSegment(id))
    }

    /// `POST /networks/create`.
    public func networkCreate(_ request: NetworkCreateRequest) throws -> NetworkCreateResponse {
        try post(NetworkCreateResponse.self, "/networks/create", json: request)
    }

    /// `DELETE /networks/{id}`.
    public func networkRemove(_ id: String) throws { try delete("/networks/" + Query.pathSegment(id)) }

    /// `POST /networks/{id}/connect`.
    public func networkConnect(_ id: String, _ request: NetworkConnectRequest) throws {
        try post("/networks/" + Query.pathSegment(id) + "/connect", json: request)
    }

    /// `POST /networks/{id}/disconnect`.
    public func networkDisconnect(_ id: String, container: String, force: Bool = false) throws {
        try post("/networks/" + Query.pathSegment(id) + "/disconnect", json: NetworkDisconnectRequest(container: container, force: force))
    }

    /// `POST /networks/prune`.
    public func networksPrune(filters: [String: [String]] = [:]) throws -> NetworkPruneResponse {
        var query = Query()
        query.filters(filters)
        return try post(NetworkPruneResponse.self, "/networks/prune", query: query)
    }

    /// `GET /volumes`.
    public func volumeList(filters: [String: [String]] = [:]) throws -> VolumeListResponse {
        var query = Query()
        query.filters(filters)
        return try get(VolumeListResponse.self, "/volumes", query: query)
    }

    /// `GET /volumes/{name}`.
    public func volumeInspect(_ name: String) throws -> Volume {
        try get(Volume.self, "/volumes/" + Query.pathSegment(name))
    }

    /// `POST /volumes/create`.
    public func volumeCreate(_ options: VolumeCreateOptions) throws -> Volume {
        try post(Volume.self, "/volumes/create", json: options)
    }

    /// `DELETE /volumes/{name}`.
    public func volumeRemove(_ name: String, force: Bool = false) throws {
        var query = Query()
        query.flag("force", force)
        try delete("/volumes/" + Query.pathSegment(name), query: query)
    }

    /// `POST /volumes/prune` (`all` removes named volumes too, as docker 23+'s `-a`).
    public func volumesPrune(all: Bool = false, filters: [String: [String]] = [:]) throws -> VolumePruneResponse {
        var merged = filters
        if all { merged["all", default: []].append("true") }
        var query = Query()
        query.filters(merged)
        return try post(VolumePruneResponse.self, "/volumes/prune", query: query)
    }
}
