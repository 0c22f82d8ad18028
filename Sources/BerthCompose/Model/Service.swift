/// One service of a compose project, typed and with paths made absolute,
/// variables substituted, `env_file` folded into `environment` and
/// defaults applied as compose-go applies them. The service's name is its key
/// in `Project.services`.
public struct Service: Sendable, Equatable {
    public var image: String?
    public var build: BuildConfig?
    /// nil: the image's default; a string in the file was split into words.
    public var command: [String]?
    public var entrypoint: [String]?
    /// Resolved values; `KEY` without a value that the environment lacks is
    /// left out (the container does not get it), as compose does.
    public var environment: [String: String] = [:]
    public var envFiles: [EnvFile] = []
    public var ports: [ServicePort] = []
    public var expose: [String] = []
    public var volumes: [ServiceVolume] = []
    /// Networks the service joins, by their key in `Project.networks`. A
    /// service without `networks` or `network_mode` joins `default`.
    public var networks: [String: ServiceNetwork] = [:]
    public var networkMode: String?
    public var dependsOn: [String: ServiceDependency] = [:]
    public var healthcheck: HealthCheck?
    public var restart: String?
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var user: String?
    public var workingDir: String?
    public var hostname: String?
    public var domainname: String?
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var privileged: Bool?
    public var readOnly: Bool?
    public var initProcess: Bool?
    public var tty: Bool?
    public var stdinOpen: Bool?
    public var tmpfs: [String] = []
    public var ulimits: [String: Ulimit] = [:]
    public var memLimit: Int64?
    public var memReservation: Int64?
    public var memswapLimit: Int64?
    public var shmSize: Int64?
    public var cpus: Double?
    public var cpuShares: Int64?
    public var cpuset: String?
    public var cpuPeriod: Int64?
    public var cpuQuota: Int64?
    public var cpuRtPeriod: Int64?
    public var cpuRtRuntime: Int64?
    public var cpuCount: Int64?
    public var cpuPercent: Int?
    public var memSwappiness: Int?
    public var oomKillDisable: Bool?
    /// `cgroup: host|private`.
    public var cgroup: String?
    /// `attach: false` keeps the service's logs out of `up`'s output.
    public var attach: Bool?
    public var pidsLimit: Int64?
    public var oomScoreAdj: Int?
    public var deploy: Deploy?
    public var stopSignal: String?
    public var stopGracePeriod: Duration?
    public var logging: Logging?
    /// `host:ip` entries, in file order (the map form becomes this too).
    public var extraHosts: [String] = []
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOpt: [String] = []
    public var sysctls: [String: String] = [:]
    public var devices: [String] = []
    public var deviceCgroupRules: [String] = []
    public var secrets: [FileReference] = []
    public var configs: [FileReference] = []
    public var profiles: [String] = []
    public var containerName: String?
    public var scale: Int?
    public var pullPolicy: String?
    public var securityOpt: [String] = []
    public var pid: String?
    public var ipc: String?
    public var uts: String?
    public var usernsMode: String?
    public var cgroupParent: String?
    public var runtime: String?
    public var macAddress: String?
    public var platform: String?
    public var groupAdd: [String] = []
    public var links: [String] = []
    public var externalLinks: [String] = []
    public var volumesFrom: [String] = []

    public init() {}

    /// How many containers `up` runs: `scale`, else `deploy.replicas`, else 1
    /// (compose-go's GetScale).
    public var replicas: Int {
        scale ?? deploy?.replicas ?? 1
    }
}

/// An `env_file` entry: its absolute path and whether it must exist.
public struct EnvFile: Sendable, Equatable {
    public var path: String
    public var required: Bool = true

    public init(path: String, required: Bool = true) {
        self.path = path
        self.required = required
    }
}
