/// A loaded compose project: its name, where it lives, the active services
/// and the top-level objects, after interpolation, merge, profiles and
/// validation. `disabledServices` holds services whose profiles were not
/// selected (their containers are not orphans).
public struct Project: Sendable, Equatable {
    public var name: String
    public var workingDir: String
    public var configFiles: [String]
    public var services: [String: Service] = [:]
    public var disabledServices: [String: Service] = [:]
    public var networks: [String: NetworkConfig] = [:]
    public var volumes: [String: VolumeConfig] = [:]
    public var secrets: [String: FileObjectConfig] = [:]
    public var configs: [String: FileObjectConfig] = [:]
    /// Variables used without a value or default ("The X variable is not set").
    public var warnings: [String] = []

    public init(name: String, workingDir: String, configFiles: [String]) {
        self.name = name
        self.workingDir = workingDir
        self.configFiles = configFiles
    }

    /// Service names in a stable order (sorted), for output and planning.
    public var serviceNames: [String] { services.keys.sorted() }
}

/// A top-level network. `name` is the engine's name: `<project>_<key>` unless
/// `name:` is set, or the key itself for an external network.
public struct NetworkConfig: Sendable, Equatable {
    public var name: String
    public var driver: String?
    public var driverOpts: [String: String] = [:]
    public var external: Bool = false
    public var `internal`: Bool = false
    public var attachable: Bool = false
    public var enableIpv6: Bool?
    public var ipam: IPAM?
    public var labels: [String: String] = [:]

    public init(name: String) { self.name = name }

    /// `ipam:` driver and pools.
    public struct IPAM: Sendable, Equatable {
        public var driver: String?
        public var config: [Pool] = []
        public var options: [String: String] = [:]
        public init() {}
    }

    /// One `ipam.config` entry.
    public struct Pool: Sendable, Equatable {
        public var subnet: String?
        public var gateway: String?
        public var ipRange: String?
        public var auxAddresses: [String: String] = [:]
        public init() {}
    }
}

/// A top-level volume; `name` as for networks.
public struct VolumeConfig: Sendable, Equatable {
    public var name: String
    public var driver: String?
    public var driverOpts: [String: String] = [:]
    public var external: Bool = false
    public var labels: [String: String] = [:]

    public init(name: String) { self.name = name }
}

/// A top-level secret or config: from a file (absolute), an environment
/// variable, inline `content` (configs only) or external.
public struct FileObjectConfig: Sendable, Equatable {
    public var name: String
    public var file: String?
    public var environment: String?
    public var content: String?
    public var external: Bool = false
    public var labels: [String: String] = [:]

    public init(name: String) { self.name = name }
}
