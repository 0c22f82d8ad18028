import CBerth

/// One step of the container's child path (CBerth's `struct berth_op`).
/// BerthRuntime decides the steps and their order; the C child carries them
/// out one system call at a time. `what` names the step in errors
/// ("mount proc on /proc: Operation not permitted"), so the C side never
/// formats anything.
public struct InitOp: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        case mount = 1, remountBind, propagation, openRoot, mkdir, mknod, symlink, pivotRoot
        case sethostname, setdomainname, writeFile, mask, readonly, sync, hook, rlimit, console
        case setsid, noNewPrivileges, seccomp, identity, umask, chdir, lookup, execFifo, ready
        case setns, pdeathsig, dumpable, personality, becomeRoot, unshare, cgroupJoin
    }

    /// `n` bits for mounts: create the target as a directory or a file; the
    /// target is a host path; a missing source or target is skipped.
    public struct PathFlags: OptionSet, Sendable, Equatable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let makeDirectory = PathFlags(rawValue: Int(BERTH_MK_DIR))
        public static let makeFile = PathFlags(rawValue: Int(BERTH_MK_FILE))
        public static let outsideRoot = PathFlags(rawValue: Int(BERTH_OUTSIDE_ROOT))
        public static let optional = PathFlags(rawValue: Int(BERTH_OPTIONAL))
    }

    public var kind: Kind
    public var what: String
    public var a: String?
    public var b: String?
    public var c: String?
    public var d: String?
    public var flags: UInt = 0
    public var n: Int = 0
    public var n2: Int = 0
    public var n3: Int = 0
    public var argv: [String]?
    public var envp: [String]?
    public var data: [UInt8]?
    public var identity: Identity?

    public init(_ kind: Kind, _ what: String, a: String? = nil, b: String? = nil, c: String? = nil, d: String? = nil,
                flags: UInt = 0, n: Int = 0, n2: Int = 0, n3: Int = 0) {
        self.kind = kind; self.what = what
        self.a = a; self.b = b; self.c = c; self.d = d
        self.flags = flags; self.n = n; self.n2 = n2; self.n3 = n3
    }

    public var description: String { what }

    /// The user and the capability sets the process ends with (runc's
    /// finalizeNamespace), as bit masks indexed by capability number.
    public struct Identity: Equatable, Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]
        public var setGroups: Bool
        public var bounding: UInt64
        public var effective: UInt64
        public var permitted: UInt64
        public var inheritable: UInt64
        public var ambient: UInt64
        public var lastCap: Int32
    }
}
