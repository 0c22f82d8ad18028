import BerthOCI
import BerthSystem

/// Everything the C child path needs, decided before the clone: the
/// namespaces to create and to join, the steps, and the process to exec.
/// Pure: built from a config and the facts about the host in `HostFacts`,
/// so unit tests check the plan without root.
public struct InitPlan: Sendable {
    /// CLONE_NEW* flags for the clone (the cgroup namespace is unshared
    /// later, once the parent has moved the child into its cgroup).
    public var cloneFlags: Int32 = 0
    /// Namespaces the intermediate process joins before the clone, whose
    /// setns only takes effect for children (user first, then pid).
    public var joins: [Join] = []
    public var ops: [InitOp] = []
    public var argv: [String] = []
    public var envp: [String] = []
    /// The container's pid 1 stays berth's own small init (reaps zombies,
    /// forwards signals) and runs `argv` as its child: the annotation
    /// `berth.init=true`, which the engine sets for `docker run --init`.
    public var initProcess = false
    /// Written by the parent into /proc/<pid>/{uid,gid}_map (a new user namespace).
    public var uidMappings: [RuntimeSpec.IDMapping] = []
    public var gidMappings: [RuntimeSpec.IDMapping] = []
    /// Things berth accepted but does not do here (AppArmor on a host without it…).
    public var warnings: [String] = []

    public struct Join: Equatable, Sendable {
        public var type: String
        public var path: String
        public var flag: Int32
    }

    /// The namespaces the container has: created (path nil) or joined.
    public var namespaces: [RuntimeSpec.Namespace] = []

    public func op(_ kind: InitOp.Kind) -> [InitOp] { ops.filter { $0.kind == kind } }
}

/// CLONE_NEW* flags (sched.h) by the names config.json uses.
public enum NamespaceKind {
    public static let flags: [String: Int32] = [
        "mount": 0x0002_0000, "uts": 0x0400_0000, "ipc": 0x0800_0000, "user": 0x1000_0000,
        "pid": 0x2000_0000, "network": 0x4000_0000, "cgroup": 0x0200_0000, "time": 0x0000_0080,
    ]
    /// The name under /proc/<pid>/ns/.
    public static let procName: [String: String] = [
        "mount": "mnt", "uts": "uts", "ipc": "ipc", "user": "user", "pid": "pid", "network": "net",
        "cgroup": "cgroup", "time": "time",
    ]
    /// Order of setns when joining several (nsenter's): user first so the
    /// others are joined with its capabilities, mount last.
    public static let joinOrder = ["user", "pid", "ipc", "uts", "network", "cgroup", "time", "mount"]
}

/// What the plan needs to know about the host and the container's place on it.
public struct HostFacts: Sendable, Equatable {
    /// The highest capability number the kernel knows (/proc/sys/kernel/cap_last_cap).
    public var lastCap: Int32 = 40
    /// This process's capability bounding set: what it can still hand out.
    public var bounding: UInt64 = (1 << 41) - 1
    /// The rootfs is on ramfs/initramfs: pivot_root cannot work, chroot instead.
    public var rootfsOnRamfs = false
    /// /proc/kcore exists (then /dev/core links to it, as runc does).
    public var hasKcore = true
    /// Bind mount sources that are not directories (made as files in the container).
    public var fileSources: Set<String> = []
    /// The container's cgroup, for the /sys/fs/cgroup mount.
    public var cgroupMounts: [CgroupMountPoint] = []
    /// The host offers AppArmor / SELinux.
    public var hasAppArmor = false
    public var hasSELinux = false

    public init() {}
}

/// One cgroup hierarchy as the container's /sys/fs/cgroup shows it.
public struct CgroupMountPoint: Sendable, Equatable {
    /// Under /sys/fs/cgroup: "memory", "cpu,cpuacct", "systemd", "unified", or "" for v2 alone.
    public var name: String
    /// mount(2) data for a fresh mount in a cgroup namespace ("memory", "none,name=systemd").
    public var options: String
    public var isV2: Bool
    /// The container's cgroup directory on the host (bind-mounted without a cgroup namespace).
    public var hostPath: String
    /// Extra names that link to `name` (cpu and cpuacct for cpu,cpuacct).
    public var links: [String] = []

    public init(name: String, options: String, isV2: Bool, hostPath: String, links: [String] = []) {
        self.name = name; self.options = options; self.isV2 = isV2; self.hostPath = hostPath; self.links = links
    }
}

extension InitPlan {
    /// The namespaces of `spec`, checked (type known, no duplicates, user
    /// namespace and mappings together), into clone flags and joins.
    mutating func planNamespaces(_ spec: RuntimeSpec) throws {
        var seen = Set<String>()
        for (i, ns) in (spec.linux?.namespaces ?? []).enumerated() {
            guard let flag = NamespaceKind.flags[ns.type] else {
                throw BerthError.invalidArgument("linux.namespaces[\(i)].type: unknown namespace \(ns.type.debugDescription)"
                    + " (want one of \(NamespaceKind.flags.keys.sorted().joined(separator: ", ")))")
            }
            guard seen.insert(ns.type).inserted else {
                throw BerthError.invalidArgument("linux.namespaces[\(i)]: namespace \(ns.type) is listed twice")
            }
            namespaces.append(ns)
            if let path = ns.path, !path.isEmpty {
                joins.append(Join(type: ns.type, path: path, flag: flag))
            } else if ns.type != "cgroup" {
                cloneFlags |= flag
            }
        }
        joins.sort { NamespaceKind.joinOrder.firstIndex(of: $0.type)! < NamespaceKind.joinOrder.firstIndex(of: $1.type)! }
        let newUser = cloneFlags & NamespaceKind.flags["user"]! != 0
        uidMappings = spec.linux?.uidMappings ?? []
        gidMappings = spec.linux?.gidMappings ?? []
        if newUser && (uidMappings.isEmpty || gidMappings.isEmpty) {
            throw BerthError.invalidArgument("linux.uidMappings/gidMappings: a new user namespace needs both mappings")
        }
        if !newUser && (!uidMappings.isEmpty || !gidMappings.isEmpty) {
            throw BerthError.invalidArgument("linux.uidMappings: mappings are given but no new user namespace is in linux.namespaces")
        }
        if cloneFlags & NamespaceKind.flags["mount"]! == 0 && joins.allSatisfy({ $0.type != "mount" }) {
            throw BerthError.invalidArgument("linux.namespaces: a mount namespace is required (berth does not set up a rootfs in the host's)")
        }
    }

    var hasNewUserNamespace: Bool { cloneFlags & NamespaceKind.flags["user"]! != 0 }
    func creates(_ type: String) -> Bool { cloneFlags & NamespaceKind.flags[type]! != 0 }
    func has(_ type: String) -> Bool { namespaces.contains { $0.type == type } }
    var newCgroupNamespace: Bool { namespaces.contains { $0.type == "cgroup" && ($0.path ?? "").isEmpty } }

    /// The join steps done in the child itself (everything but user and pid,
    /// which the intermediate joins); the launcher opens `a` into `n`.
    mutating func planChildJoins() {
        for j in joins where j.type != "user" && j.type != "pid" {
            ops.append(InitOp(.setns, "join \(j.type) namespace \(j.path)", a: j.path, n2: Int(j.flag)))
        }
    }

    var intermediateJoins: [Join] { joins.filter { $0.type == "user" || $0.type == "pid" } }
}
