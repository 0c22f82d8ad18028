import BerthAPIModel

/// Container calls (the API's /containers routes), named as docker's Go client names them.
extension EngineClient {
    static func container(_ id: String) -> String { "/containers/" + Query.pathSegment(id) }

    /// `GET /containers/json`.
    public func containerList(all: Bool = false, limit: Int? = nil, size: Bool = false,
                              filters: [String: [String]] = [:]) throws -> [ContainerSummary] {
        var query = Query()
        query.flag("all", all)
        query.add("limit", limit)
        query.flag("size", size)
        query.filters(filters)
        return try get([ContainerSummary].self, "/containers/json", query: query)
    }

    /// `POST /containers/create`.
    public func containerCreate(_ config: ContainerCreateRequest, name: String? = nil, platform: String? = nil) throws -> ContainerCreateResponse {
        var query = Query()
        query.add("name", name)
        query.add("platform", platform)
        return try post(ContainerCreateResponse.self, "/containers/create", query: query, json: config)
    }

    /// `GET /containers/{id}/json`.
    public func containerInspect(_ id: String, size: Bool = false) throws -> ContainerInspectResponse {
        var query = Query()
        query.flag("size", size)
        return try get(ContainerInspectResponse.self, Self.container(id) + "/json", query: query)
    }

    /// `POST /containers/{id}/start`; already running is not an error (304).
    public func containerStart(_ id: String) throws {
        try post(Self.container(id) + "/start")
    }

    /// `POST /containers/{id}/stop` with docker's `t` (seconds) and `signal`.
    public func containerStop(_ id: String, timeout: Int? = nil, signal: String? = nil) throws {
        var query = Query()
        query.add("t", timeout)
        query.add("signal", signal)
        try post(Self.container(id) + "/stop", query: query)
    }

    /// `POST /containers/{id}/restart`.
    public func containerRestart(_ id: String, timeout: Int? = nil, signal: String? = nil) throws {
        var query = Query()
        query.add("t", timeout)
        query.add("signal", signal)
        try post(Self.container(id) + "/restart", query: query)
    }

    /// `POST /containers/{id}/kill`.
    public func containerKill(_ id: String, signal: String? = nil) throws {
        var query = Query()
        query.add("signal", signal)
        try post(Self.container(id) + "/kill", query: query)
    }

    /// `DELETE /containers/{id}`.
    public func containerRemove(_ id: String, force: Bool = false, volumes: Bool = false) throws {
        var query = Query()
        query.flag("force", force)
        query.flag("v", volumes)
        try delete(Self.container(id), query: query)
    }

    /// `POST /containers/{id}/wait` until `condition` (not-running, next-exit, removed).
    public func containerWait(_ id: String, condition: String? = nil) throws -> ContainerWaitResponse {
        var query = Query()
        query.add("condition", condition)
        return try post(ContainerWaitResponse.self, Self.container(id) + "/wait", query: query)
    }

    /// Starts `POST /containers/{id}/wait` and returns before it ends: the
    /// answer is read from the response once the container reached `condition`
    /// (docker run waits with next-exit before it starts the container).
    public func containerWaitStart(_ id: String, condition: String) throws -> Response {
        var query = Query()
        query.add("condition", condition)
        return try checked(Request(method: "POST", path: Self.container(id) + "/wait", query: query))
    }

    /// `GET /containers/{id}/logs`: the multiplexed stream (raw for a tty container).
    public func containerLogs(_ id: String, stdout: Bool = true, stderr: Bool = true, follow: Bool = false,
                              since: String? = nil, until: String? = nil, timestamps: Bool = false,
                              tail: String? = nil) throws -> Response {
        var query = Query()
        query.flag("stdout", stdout)
        query.flag("stderr", stderr)
        query.flag("follow", follow)
        query.add("since", since)
        query.add("until", until)
        query.flag("timestamps", timestamps)
        query.add("tail", tail)
        return try checked(Request(method: "GET", path: Self.container(id) + "/logs", query: query))
    }

    /// `POST /containers/{id}/attach` with the connection hijacked.
    public func containerAttach(_ id: String, stdin: Bool, stdout: Bool = true, stderr: Bool = true,
                                stream: Bool = true, logs: Bool = false, detachKeys: String? = nil) throws -> HijackedStream {
        var query = Query()
        query.flag("stream", stream)
        query.flag("logs", logs)
        query.flag("stdin", stdin)
        query.flag("stdout", stdout)
        query.flag("stderr", stderr)
        query.add("detachKeys", detachKeys)
        return try hijack(Request(method: "POST", path: Self.container(id) + "/attach", query: query))
    }

    /// `POST /containers/{id}/resize` (a tty's rows and columns).
    public func containerResize(_ id: String, height: Int, width: Int) throws {
        try post(Self.container(id) + "/resize", query: ["h": String(height), "w": String(width)])
    }

    /// `POST /containers/{id}/rename`.
    public func containerRename(_ id: String, to name: String) throws {
        try post(Self.container(id) + "/rename", query: ["name": name])
    }

    /// `POST /containers/{id}/pause`.
    public func containerPause(_ id: String) throws { try post(Self.container(id) + "/pause") }

    /// `POST /containers/{id}/unpause`.
    public func containerUnpause(_ id: String) throws { try post(Self.container(id) + "/unpause") }

    /// `GET /containers/{id}/top`.
    public func containerTop(_ id: String, psArgs: String? = nil) throws -> ContainerTopResponse {
        var query = Query()
        query.add("ps_args", psArgs)
        return try get(ContainerTopResponse.self, Self.container(id) + "/top", query: query)
    }

    /// `GET /containers/{id}/stats`: one sample (`stream: false`) or a JSON-lines stream.
    public func containerStats(_ id: String, stream: Bool) throws -> Response {
        var query = Query()
        query.add("stream", stream ? "1" : "0")
        if !stream { query.add("one-shot", "0") }
        return try checked(Request(method: "GET", path: Self.container(id) + "/stats", query: query))
    }

    /// `POST /containers/{id}/update`.
    public func containerUpdate(_ id: String, _ update: ContainerUpdateRequest) throws -> ContainerUpdateResponse {
        try post(ContainerUpdateResponse.self, Self.container(id) + "/update", json: update)
    }

    /// `GET /containers/{id}/changes`.
    public func containerChanges(_ id: String) throws -> [FilesystemChange] {
        try get([FilesystemChange]?.self, Self.container(id) + "/changes") ?? []
    }

    /// `GET /containers/{id}/export`: the root filesystem as a tar stream.
    public func containerExport(_ id: String) throws -> Response {
        try checked(Request(method: "GET", path: Self.container(id) + "/export"))
    }

    /// `GET /containers/{id}/archive?path=`: a tar of `path`; the
    /// `X-Docker-Container-Path-Stat` header describes it.
    public func containerArchive(_ id: String, path: String) throws -> Response {
        try checked(Request(method: "GET", path: Self.container(id) + "/archive", query: ["path": path]))
    }

    /// `HEAD /containers/{id}/archive?path=`: the stat header only.
    public func containerArchiveStat(_ id: String, path: String) throws -> Response {
        let response = try perform(Request(method: "HEAD", path: Self.container(id) + "/archive", query: ["path": path]))
        // HEAD has no body to carry the message: docker's client words it the same way.
        if response.status == 404 { throw APIError(status: 404, message: "Could not find the file \(path) in container \(id)") }
        guard response.status < 400 else {
            throw APIError(status: response.status, message: "cannot stat \(path) in container \(id): HTTP status \(response.status)")
        }
        return response
    }

    /// `PUT /containers/{id}/archive?path=`: extracts a tar stream into the directory `path`.
    public func containerPutArchive(_ id: String, path: String, noOverwriteDirNonDir: Bool = true,
                                    copyUIDGID: Bool = false, tar: @escaping () throws -> [UInt8]?) throws {
        var query: Query = ["path": path]
        query.flag("noOverwriteDirNonDir", noOverwriteDirNonDir)
        query.flag("copyUIDGID", copyUIDGID)
        try send(Request(method: "PUT", path: Self.container(id) + "/archive", query: query,
                         body: .stream(contentType: "application/x-tar", next: tar)))
    }

    /// `POST /commit`: the container's changes as a new image.
    public func containerCommit(_ id: String, repo: String? = nil, tag: String? = nil, comment: String? = nil,
                                author: String? = nil, pause: Bool = true, changes: [String] = []) throws -> IDResponse {
        var query: Query = ["container": id]
        query.add("repo", repo)
        query.add("tag", tag)
        query.add("comment", comment)
        query.add("author", author)
        if !pause { query.add("pause", "0") }
        for change in changes { query.add("changes", change) }
        return try post(IDResponse.self, "/commit", query: query)
    }

    /// `POST /containers/prune`.
    public func containersPrune(filters: [String: [String]] = [:]) throws -> ContainerPruneResponse {
        var query = Query()
        query.filters(filters)
        return try post(ContainerPruneResponse.self, "/containers/prune", query: query)
    }

    /// `POST /containers/{id}/exec`: makes an exec instance and returns its ID.
    public func execCreate(_ id: String, _ config: ExecConfig) throws -> String {
        let created = try post(IDResponse.self, Self.container(id) + "/exec", json: config)
        guard let execID = created.id else { throw APIError(status: 500, message: "the daemon returned no exec ID") }
        return execID
    }

    /// `POST /exec/{id}/start` detached: the answer comes once it started.
    public func execStartDetached(_ execID: String, tty: Bool = false) throws {
        try post("/exec/\(execID)/start", json: ExecStartConfig(detach: true, tty: tty))
    }

    /// `POST /exec/{id}/start` with the connection hijacked.
    public func execStart(_ execID: String, tty: Bool, consoleSize: [Int]? = nil) throws -> HijackedStream {
        try hijack(Request(method: "POST", path: "/exec/\(execID)/start",
                           body: try .encode(ExecStartConfig(detach: false, tty: tty, consoleSize: consoleSize))))
    }

    /// `GET /exec/{id}/json`.
    public func execInspect(_ execID: String) throws -> ExecInspectResponse {
        try get(ExecInspectResponse.self, "/exec/\(execID)/json")
    }

    /// `POST /exec/{id}/resize`.
    public func execResize(_ execID: String, height: Int, width: Int) throws {
        try post("/exec/\(execID)/resize", query: ["h": String(height), "w": String(width)])
    }
}
