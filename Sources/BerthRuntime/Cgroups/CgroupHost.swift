import BerthSystem

/// How the host mounts its cgroup hierarchies.
public enum CgroupLayout: String, Sendable, Equatable {
    /// cgroup v2 only (/sys/fs/cgroup is cgroup2).
    case unified
    /// cgroup v1 controllers only.
    case legacy
    /// v1 controllers plus a cgroup2 mount (systemd's /sys/fs/cgroup/unified)
    /// that carries no controllers but tracks processes: v1 enforces limits,
    /// the cgroup2 directory is created and joined too, as runc does.
    case hybrid
}

/// One mounted cgroup hierarchy, from a line of /proc/self/mountinfo.
struct CgroupMount: Equatable, Sendable {
    /// Where it is mounted, e.g. /sys/fs/cgroup/memory.
    var mountPoint: String
    /// The cgroup the mount shows at its top (field 4 of mountinfo; "/"
    /// unless a cgroup namespace or a bind mount narrows it).
    var root: String
    /// v1: the controllers of the hierarchy ("cpu", "name=systemd"); v2: [].
    var controllers: [String]
    var isV2: Bool
}

/// The cgroup hierarchies this process sees and the cgroups it is in: all the
/// cgroup code derives paths from it, so unit tests hand it a fake root.
struct CgroupHost: Sendable {
    var mounts: [CgroupMount]
    /// /proc/self/cgroup: v1 controller (or "name=systemd") → path; "" → v2 path.
    var ownCgroups: [String: String]
    var files = CgroupFiles()

    var layout: CgroupLayout {
        let hasV1Controllers = mounts.contains { !$0.isV2 && $0.controllers.contains { !$0.hasPrefix("name=") } }
        let hasV2 = mounts.contains { $0.isV2 }
        if hasV1Controllers { return hasV2 ? .hybrid : .legacy }
        return .unified
    }

    /// The first cgroup2 mount (runc takes the first of each hierarchy too).
    var v2Mount: CgroupMount? { mounts.first { $0.isV2 } }

    /// The v1 mount carrying `controller`, if any.
    func v1Mount(_ controller: String) -> CgroupMount? {
        mounts.first { !$0.isV2 && $0.controllers.contains(controller) }
    }

    /// Every v1 hierarchy once, in mount order.
    var v1Mounts: [CgroupMount] {
        var seen = Set<[String]>()
        return mounts.filter { !$0.isV2 && seen.insert($0.controllers).inserted }
    }

    static func current() throws -> CgroupHost {
        let files = CgroupFiles()
        let mountinfo: String, cgroup: String
        do {
            mountinfo = try files.read("/proc/self", "mountinfo")
            cgroup = try files.read("/proc/self", "cgroup")
        } catch let e as SystemError {
            throw BerthError(e, while: "reading the cgroup hierarchies of this process")
        }
        let host = parse(mountinfo: mountinfo, procCgroup: cgroup)
        if host.mounts.isEmpty {
            throw BerthError.unavailable("no cgroup or cgroup2 filesystem is mounted (see /proc/self/mountinfo)")
        }
        return host
    }

    /// Parses /proc/self/mountinfo and /proc/self/cgroup.
    static func parse(mountinfo: String, procCgroup: String) -> CgroupHost {
        var mounts: [CgroupMount] = []
        for line in mountinfo.split(separator: "\n") {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count > dash + 3 else { continue }
            let fsType = fields[dash + 1]
            let root = unescapeMountinfo(fields[3]), point = unescapeMountinfo(fields[4])
            if fsType == "cgroup2" {
                mounts.append(CgroupMount(mountPoint: point, root: root, controllers: [], isV2: true))
            } else if fsType == "cgroup" {
                let known = Set(CgroupController.v1Names)
                let ctrls = fields[dash + 3].split(separator: ",").map(String.init)
                    .filter { known.contains($0) || $0.hasPrefix("name=") }
                if !ctrls.isEmpty {
                    mounts.append(CgroupMount(mountPoint: point, root: root, controllers: ctrls, isV2: false))
                }
            }
        }
        var own: [String: String] = [:]
        for line in procCgroup.split(separator: "\n") {
            // hierarchy-id:controller-list:path
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[1].isEmpty { own[""] = path; continue }
            for c in parts[1].split(separator: ",") { own[String(c)] = path }
        }
        return CgroupHost(mounts: mounts, ownCgroups: own)
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescapeMountinfo(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8](), bytes = Array(s.utf8), i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 4 <= bytes.count,
               let v = UInt8(String(decoding: bytes[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The cgroup controllers berth knows by name.
enum CgroupController {
    static let v1Names = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                          "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc"]
}
