/// A mount of a service in compose's long form. The short syntax
/// `[SOURCE:]TARGET[:MODE]` is read into this (compose-go's ParseVolume):
/// a source starting with `.`, `/` or `~` is a bind mount, any other source a
/// named volume, no source an anonymous volume.
public struct ServiceVolume: Sendable, Equatable {
    /// `volume`, `bind`, `tmpfs`, `npipe`, `image` or `cluster`.
    public var type: String
    /// A volume key of `Project.volumes`, an absolute host path for binds,
    /// nil for anonymous volumes and tmpfs.
    public var source: String?
    public var target: String
    public var readOnly: Bool = false
    public var consistency: String?
    public var bind: BindOptions?
    public var volume: VolumeOptions?
    public var tmpfs: TmpfsOptions?

    public init(type: String, source: String? = nil, target: String) {
        self.type = type
        self.source = source
        self.target = target
    }

    /// `bind:` options.
    public struct BindOptions: Sendable, Equatable {
        public var propagation: String?
        public var createHostPath: Bool?
        public var selinux: String?
        public init() {}
    }

    /// `volume:` options.
    public struct VolumeOptions: Sendable, Equatable {
        public var nocopy: Bool?
        public var subpath: String?
        public init() {}
    }

    /// `tmpfs:` options: size in bytes, mode as a number (octal in files).
    public struct TmpfsOptions: Sendable, Equatable {
        public var size: Int64?
        public var mode: UInt32?
        public init() {}
    }

    static let propagations: Set<String> = ["shared", "rshared", "slave", "rslave", "private", "rprivate"]

    /// Parses the short syntax. Relative and `~` bind sources are returned as
    /// written; the loader makes them absolute. The error text is a reason.
    public static func parseShort(_ spec: String) -> Result<ServiceVolume, VolumeSpecError> {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard !spec.isEmpty, parts.count <= 3, !parts.contains(where: \.isEmpty) else {
            return .failure(VolumeSpecError(reason: "invalid volume specification"))
        }
        if parts.count == 1 {
            return .success(ServiceVolume(type: "volume", source: nil, target: parts[0]))
        }
        let source = parts[0]
        let isBind = source.hasPrefix(".") || source.hasPrefix("/") || source.hasPrefix("~")
        var v = ServiceVolume(type: isBind ? "bind" : "volume", source: source, target: parts[1])
        if isBind {
            v.bind = BindOptions()
            // Short-syntax binds create a missing host path, as docker -v does.
            v.bind?.createHostPath = true
        }
        if parts.count == 3 {
            for option in parts[2].split(separator: ",").map(String.init) {
                switch option {
                case "ro": v.readOnly = true
                case "rw": v.readOnly = false
                case "nocopy":
                    guard !isBind else { return .failure(VolumeSpecError(reason: "nocopy applies to volumes, not bind mounts")) }
                    v.volume = v.volume ?? VolumeOptions()
                    v.volume?.nocopy = true
                case "z", "Z":
                    guard isBind else { return .failure(VolumeSpecError(reason: "\(option) applies to bind mounts")) }
                    v.bind?.selinux = option
                case _ where propagations.contains(option):
                    guard isBind else { return .failure(VolumeSpecError(reason: "propagation \(option) applies to bind mounts")) }
                    v.bind?.propagation = option
                case "cached", "delegated", "consistent":
                    v.consistency = option
                default:
                    return .failure(VolumeSpecError(reason: "unknown mode \"\(option)\""))
                }
            }
        }
        return .success(v)
    }
}

/// Why a short volume spec was refused.
public struct VolumeSpecError: Error, Sendable {
    public var reason: String
}
