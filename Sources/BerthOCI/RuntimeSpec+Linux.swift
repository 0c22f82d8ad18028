extension RuntimeSpec {
    /// Linux-specific configuration (config-linux.md).
    public struct Linux: Codable, Sendable, Equatable {
        public var namespaces: [Namespace]?
        public var uidMappings: [IDMapping]?
        public var gidMappings: [IDMapping]?
        public var timeOffsets: [String: TimeOffset]?
        public var devices: [Device]?
        public var cgroupsPath: String?
        public var resources: Resources?
        public var rootfsPropagation: String?
        public var seccomp: Seccomp?
        public var sysctl: [String: String]?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?
        public var mountLabel: String?
        public var personality: Personality?
        public var intelRdt: IntelRdt?

        public init(namespaces: [Namespace]? = nil, devices: [Device]? = nil, cgroupsPath: String? = nil,
                    resources: Resources? = nil, seccomp: Seccomp? = nil, sysctl: [String: String]? = nil,
                    maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil) {
            self.namespaces = namespaces; self.devices = devices; self.cgroupsPath = cgroupsPath
            self.resources = resources; self.seccomp = seccomp; self.sysctl = sysctl
            self.maskedPaths = maskedPaths; self.readonlyPaths = readonlyPaths
        }
    }

    /// A namespace to create, or to join when `path` is set.
    public struct Namespace: Codable, Sendable, Equatable {
        public var type: String
        public var path: String?
        public init(type: String, path: String? = nil) { self.type = type; self.path = path }
    }

    public struct TimeOffset: Codable, Sendable, Equatable {
        public var secs: Int64?
        public var nanosecs: UInt32?
    }

    /// A device node created in the container's /dev.
    public struct Device: Codable, Sendable, Equatable {
        public var type: String
        public var path: String
        public var major: Int64?
        public var minor: Int64?
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?
        public init(type: String, path: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
                    uid: UInt32? = nil, gid: UInt32? = nil) {
            self.type = type; self.path = path; self.major = major; self.minor = minor
            self.fileMode = fileMode; self.uid = uid; self.gid = gid
        }
    }

    public struct Personality: Codable, Sendable, Equatable {
        public var domain: String
        public var flags: [String]?
    }

    public struct IntelRdt: Codable, Sendable, Equatable {
        public var closID: String?
        public var l3CacheSchema: String?
        public var memBwSchema: String?
    }
}
