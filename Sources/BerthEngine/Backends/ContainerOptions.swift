/// The query of `POST /containers/create`.
public struct ContainerCreateOptions: Sendable, Equatable {
    public var name: String?
    /// `os[/arch[/variant]]` of the image to use, when given.
    public var platform: String?
    /// Some defaults differ by version (moby's `runconfig` adjustments).
    public var version: APIVersion

    public init(name: String? = nil, platform: String? = nil, version: APIVersion = .current) {
        self.name = name
        self.platform = platform
        self.version = version
    }
}

/// The query of `GET /containers/json`.
public struct ContainerListOptions: Sendable, Equatable {
    public var all = false
    /// Return only the last `limit` created containers (all of them when nil).
    public var limit: Int?
    public var size = false
    public var filters = Filters()
    public var version: APIVersion = .current

    public init(all: Bool = false, limit: Int? = nil, size: Bool = false, filters: Filters = Filters(),
                version: APIVersion = .current) {
        self.all = all
        self.limit = limit
        self.size = size
        self.filters = filters
        self.version = version
    }
}

/// The query of `GET /containers/{id}/logs` (and `logs` of attach).
public struct LogsOptions: Sendable, Equatable {
    public var stdout = false
    public var stderr = false
    public var follow = false
    /// Unix seconds; 0/nil means from the start.
    public var since: Double?
    public var until: Double?
    public var timestamps = false
    /// Number of lines from the end, nil for all ("all").
    public var tail: Int?
    public var details = false

    public init() {}
}

/// The query of `GET /containers/{id}/stats`.
public struct StatsOptions: Sendable, Equatable {
    public var stream = true
    /// Skip the second sample that makes precpu_stats meaningful (API 1.41+).
    public var oneShot = false

    public init(stream: Bool = true, oneShot: Bool = false) {
        self.stream = stream
        self.oneShot = oneShot
    }
}

/// The query of stop and restart: `t` seconds before SIGKILL and `signal`.
public struct StopOptions: Sendable, Equatable {
    public var timeout: Int?
    public var signal: String?

    public init(timeout: Int? = nil, signal: String? = nil) {
        self.timeout = timeout
        self.signal = signal
    }
}

/// The query of attach.
public struct AttachOptions: Sendable, Equatable {
    public var stream = false
    public var logs = false
    public var stdin = false
    public var stdout = false
    public var stderr = false
    public var detachKeys: String?

    public init() {}
}

/// The `condition` of `/wait`: "not-running" (default), "next-exit", "removed".
public enum WaitCondition: String, Sendable {
    case notRunning = "not-running"
    case nextExit = "next-exit"
    case removed
}

/// The query of `DELETE /containers/{id}`.
public struct RemoveOptions: Sendable, Equatable {
    /// `v`: remove anonymous volumes too.
    public var removeVolumes = false
    public var force = false
    public var removeLink = false

    public init(removeVolumes: Bool = false, force: Bool = false, removeLink: Bool = false) {
        self.removeVolumes = removeVolumes
        self.force = force
        self.removeLink = removeLink
    }
}

/// docker's `container.PathStat`, sent base64 JSON in the
/// `X-Docker-Container-Path-Stat` header. `mode` is Go's `os.FileMode`
/// (directory = 1<<31, symlink = 1<<27), not a Unix mode.
public struct PathStat: Codable, Sendable, Equatable {
    public var name: String
    public var size: Int64
    public var mode: UInt32
    /// RFC 3339.
    public var mtime: String
    public var linkTarget: String

    public init(name: String, size: Int64, mode: UInt32, mtime: String, linkTarget: String = "") {
        self.name = name
        self.size = size
        self.mode = mode
        self.mtime = mtime
        self.linkTarget = linkTarget
    }
}

/// The query of `PUT /containers/{id}/archive`.
public struct ArchivePutOptions: Sendable, Equatable {
    public var noOverwriteDirNonDir = false
    public var copyUIDGID = false

    public init(noOverwriteDirNonDir: Bool = false, copyUIDGID: Bool = false) {
        self.noOverwriteDirNonDir = noOverwriteDirNonDir
        self.copyUIDGID = copyUIDGID
    }
}

/// The query and body of `POST /commit`.
public struct CommitOptions: Sendable, Equatable {
    public var repo: String?
    public var tag: String?
    public var comment: String?
    public var author: String?
    /// Pause the container while its changes are read (default true).
    public var pause = true
    /// Dockerfile instructions (`changes`, repeated) applied to the config.
    public var changes: [String] = []
    /// The config of the new image, merged over the container's.
    public var config: ContainerConfig?

    public init() {}
}
