/// `build:` as a string (the context) or a mapping.
public struct BuildConfig: Sendable, Equatable {
    /// Absolute path or a URL (git, http), as compose keeps remote contexts.
    public var context: String = "."
    public var dockerfile: String?
    public var dockerfileInline: String?
    public var args: [String: String] = [:]
    public var target: String?
    public var labels: [String: String] = [:]
    public var cacheFrom: [String] = []
    public var network: String?
    public var shmSize: Int64?
    public var tags: [String] = []
    public var platforms: [String] = []
    public var noCache: Bool?
    public var pull: Bool?

    public init(context: String = ".") { self.context = context }
}

/// `healthcheck:`; `disable: true` becomes `test: ["NONE"]` as in compose-go.
public struct HealthCheck: Sendable, Equatable {
    /// `["CMD", …]`, `["CMD-SHELL", cmd]` or `["NONE"]`; nil keeps the image's.
    public var test: [String]?
    public var interval: Duration?
    public var timeout: Duration?
    public var startPeriod: Duration?
    public var startInterval: Duration?
    public var retries: Int?

    public init() {}

    public var isDisabled: Bool { test == ["NONE"] }
}

/// `logging:` driver and options.
public struct Logging: Sendable, Equatable {
    public var driver: String?
    public var options: [String: String] = [:]

    public init(driver: String? = nil, options: [String: String] = [:]) {
        self.driver = driver
        self.options = options
    }
}

/// One `ulimits` entry: a single number sets both limits.
public struct Ulimit: Sendable, Equatable {
    public var soft: Int64
    public var hard: Int64

    public init(soft: Int64, hard: Int64) {
        self.soft = soft
        self.hard = hard
    }
}

/// What `depends_on` waits for before starting the dependent service.
public enum DependencyCondition: String, Sendable, Equatable, CaseIterable {
    case serviceStarted = "service_started"
    case serviceHealthy = "service_healthy"
    case serviceCompletedSuccessfully = "service_completed_successfully"
}

/// One `depends_on` entry. The list form means `service_started`,
/// `required: true`, `restart: false`.
public struct ServiceDependency: Sendable, Equatable {
    public var condition: DependencyCondition = .serviceStarted
    /// Restart this service when the dependency is recreated or restarted.
    public var restart: Bool = false
    /// When false, a missing or disabled dependency is skipped, not an error.
    public var required: Bool = true

    public init(condition: DependencyCondition = .serviceStarted, restart: Bool = false, required: Bool = true) {
        self.condition = condition
        self.restart = restart
        self.required = required
    }
}

/// How a service joins one network.
public struct ServiceNetwork: Sendable, Equatable {
    public var aliases: [String] = []
    public var ipv4Address: String?
    public var ipv6Address: String?
    public var linkLocalIps: [String] = []
    public var macAddress: String?
    public var priority: Int?
    public var driverOpts: [String: String] = [:]

    public init() {}
}

/// A `secrets:` or `configs:` entry of a service (short form: the name).
public struct FileReference: Sendable, Equatable {
    public var source: String
    /// nil: `/run/secrets/<source>` for secrets, `/<source>` for configs.
    public var target: String?
    public var uid: String?
    public var gid: String?
    public var mode: UInt32?

    public init(source: String, target: String? = nil) {
        self.source = source
        self.target = target
    }
}

/// `deploy:`: what a single engine honours of the swarm section (compose
/// applies replicas, resources and restart_policy).
public struct Deploy: Sendable, Equatable {
    public var mode: String?
    public var replicas: Int?
    public var labels: [String: String] = [:]
    public var resources: Resources = Resources()
    public var restartPolicy: RestartPolicy?

    public init() {}

    /// `deploy.resources`.
    public struct Resources: Sendable, Equatable {
        public var limits: ResourceSpec?
        public var reservations: ResourceSpec?
        public init() {}
    }

    /// Limits or reservations: CPUs (fractional), memory in bytes, pids.
    public struct ResourceSpec: Sendable, Equatable {
        public var cpus: Double?
        public var memory: Int64?
        public var pids: Int64?
        public init() {}
    }

    /// `deploy.restart_policy`.
    public struct RestartPolicy: Sendable, Equatable {
        public var condition: String?
        public var delay: Duration?
        public var maxAttempts: Int?
        public var window: Duration?
        public init() {}
    }
}
