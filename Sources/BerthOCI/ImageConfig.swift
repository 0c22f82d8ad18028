/// An image configuration: OCI image-spec config.md with the fields Docker
/// writes as well (`container`, `docker_version`, `Healthcheck`, `OnBuild`,
/// `Shell`...). Fields it does not know are dropped on decode, so keep the
/// registry's bytes when the digest matters.
public struct ImageConfig: Codable, Hashable, Sendable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var variant: String?
    public var osVersion: String?
    public var osFeatures: [String]?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?
    public var container: String?
    public var dockerVersion: String?

    enum CodingKeys: String, CodingKey {
        case created, author, architecture, os, variant, config, rootfs, history, container
        case osVersion = "os.version"
        case osFeatures = "os.features"
        case dockerVersion = "docker_version"
    }

    public init(architecture: String, os: String, variant: String? = nil, config: ContainerConfig? = nil,
                rootfs: RootFS, history: [History]? = nil, created: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.config = config
        self.rootfs = rootfs
        self.history = history
        self.created = created
    }

    /// The platform this image was built for.
    public var platform: Platform {
        var p = Platform(os: os, architecture: architecture, variant: variant)
        p.osVersion = osVersion
        p.osFeatures = osFeatures
        return p
    }

    /// The `rootfs` object: the layer diff IDs in order, bottom first.
    public struct RootFS: Codable, Hashable, Sendable {
        public var type: String
        public var diffIDs: [Digest]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }

        public init(diffIDs: [Digest]) {
            self.type = "layers"
            self.diffIDs = diffIDs
        }
    }

    /// One `history` entry; `empty_layer` ones add no diff ID.
    public struct History: Codable, Hashable, Sendable {
        public var created: String?
        public var createdBy: String?
        public var author: String?
        public var comment: String?
        public var emptyLayer: Bool?

        enum CodingKeys: String, CodingKey {
            case created, author, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }

        public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
        }
    }
}

/// The `config` object of an image config, with Docker's capitalised keys
/// (moby api/types/container.Config, the subset an image carries).
public struct ContainerConfig: Codable, Hashable, Sendable {
    public var user: String?
    public var exposedPorts: [String: EmptyObject]?
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var volumes: [String: EmptyObject]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var argsEscaped: Bool?
    public var healthcheck: Healthcheck?
    public var onBuild: [String]?
    public var shell: [String]?

    enum CodingKeys: String, CodingKey {
        case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint"
        case cmd = "Cmd", volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels"
        case stopSignal = "StopSignal", argsEscaped = "ArgsEscaped", healthcheck = "Healthcheck"
        case onBuild = "OnBuild", shell = "Shell"
    }

    public init(env: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil, workingDir: String? = nil) {
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
    }

    /// Docker's HealthConfig; durations are nanoseconds.
    public struct Healthcheck: Codable, Hashable, Sendable {
        public var test: [String]?
        public var interval: Int64?
        public var timeout: Int64?
        public var startPeriod: Int64?
        public var startInterval: Int64?
        public var retries: Int?

        public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
                    startInterval: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.startInterval = startInterval
            self.retries = retries
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test", interval = "Interval", timeout = "Timeout"
            case startPeriod = "StartPeriod", startInterval = "StartInterval", retries = "Retries"
        }
    }
}

/// `{}`: the value type of Docker's set-like maps (ExposedPorts, Volumes).
public struct EmptyObject: Codable, Hashable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: EmptyKey.self) }
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: EmptyKey.self) }
    private struct EmptyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
