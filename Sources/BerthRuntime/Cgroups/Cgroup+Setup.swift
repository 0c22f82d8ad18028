import BerthOCI
import BerthSystem

/// Where a controller's files are for this cgroup.
enum CgroupPlace: Equatable {
    case v1(String)
    case v2(String)

    var dir: String {
        switch self { case .v1(let d), .v2(let d): return d }
    }
    var isV2: Bool { if case .v2 = self { return true } else { return false } }
}

/// A controller a part of the resources needs: v1 name, v2 name (nil when
/// cgroup v2 has no equivalent), and the config field that asks for it.
struct CgroupNeed: Equatable {
    var v1: String
    var v2: String?
    var field: String
}

extension Cgroup {
    /// Where `v1`/`v2` controller files live: v2-only hosts use the cgroup2
    /// directory; legacy the v1 one; hybrid the v1 one, or the cgroup2
    /// directory for a controller only cgroup2 has (hugetlb on some hosts).
    func place(v1: String, v2: String?) -> CgroupPlace? {
        switch host.layout {
        case .unified:
            guard let v2, v2Available.contains(v2), let d = paths[""] else { return nil }
            return .v2(d)
        case .legacy:
            return paths[v1].map { .v1($0) }
        case .hybrid:
            if let d = paths[v1] { return .v1(d) }
            guard let v2, v2Available.contains(v2), let d = paths[""] else { return nil }
            return .v2(d)
        }
    }

    /// The controllers the resources ask for. Controllers nobody asked for
    /// are used when present and skipped silently when absent.
    static func needs(_ r: RuntimeSpec.Resources?) -> [CgroupNeed] {
        guard let r else { return [] }
        var needs: [CgroupNeed] = []
        if let m = r.memory, m.limit != nil || m.reservation != nil || m.swap != nil || m.kernelTCP != nil
            || m.swappiness != nil || m.disableOOMKiller == true {
            needs.append(.init(v1: "memory", v2: "memory", field: "linux.resources.memory"))
        }
        if let c = r.cpu {
            if c.shares != nil || c.quota != nil || c.period != nil || c.burst != nil || c.realtimeRuntime != nil
                || c.realtimePeriod != nil || c.idle != nil {
                needs.append(.init(v1: "cpu", v2: "cpu", field: "linux.resources.cpu"))
            }
            if !(c.cpus ?? "").isEmpty || !(c.mems ?? "").isEmpty {
                needs.append(.init(v1: "cpuset", v2: "cpuset", field: "linux.resources.cpu.cpus/mems"))
            }
        }
        if r.pids != nil { needs.append(.init(v1: "pids", v2: "pids", field: "linux.resources.pids")) }
        if let b = r.blockIO, b.weight != nil || b.leafWeight != nil || !(b.weightDevice ?? []).isEmpty
            || !(b.throttleReadBpsDevice ?? []).isEmpty || !(b.throttleWriteBpsDevice ?? []).isEmpty
            || !(b.throttleReadIOPSDevice ?? []).isEmpty || !(b.throttleWriteIOPSDevice ?? []).isEmpty {
            needs.append(.init(v1: "blkio", v2: "io", field: "linux.resources.blockIO"))
        }
        if !(r.hugepageLimits ?? []).isEmpty {
            needs.append(.init(v1: "hugetlb", v2: "hugetlb", field: "linux.resources.hugepageLimits"))
        }
        if r.network?.classID != nil { needs.append(.init(v1: "net_cls", v2: nil, field: "linux.resources.network.classID")) }
        if !(r.network?.priorities ?? []).isEmpty {
            needs.append(.init(v1: "net_prio", v2: nil, field: "linux.resources.network.priorities"))
        }
        if !(r.rdma ?? [:]).isEmpty { needs.append(.init(v1: "rdma", v2: "rdma", field: "linux.resources.rdma")) }
        return needs
    }

    /// A clear error for every limit the host cannot enforce.
    func checkControllers(for r: RuntimeSpec.Resources?) throws {
        for need in Self.needs(r) where place(v1: need.v1, v2: need.v2) == nil {
            let name = host.layout == .unified ? (need.v2 ?? need.v1) : need.v1
            let where_: String
            switch host.layout {
            case .unified:
                where_ = need.v2 == nil ? "cgroup v2 has no \(need.v1) controller"
                    : "cgroup v2 does not offer it (\(host.v2Mount?.mountPoint ?? "/sys/fs/cgroup")/cgroup.controllers)"
            case .legacy, .hybrid:
                where_ = "no cgroup v1 hierarchy has it mounted (/proc/self/mountinfo)"
            }
            throw BerthError.unavailable("\(need.field): the \(name) cgroup controller is not available: \(where_)")
        }
        if let u = r?.unified, !u.isEmpty {
            guard host.layout == .unified else {
                throw BerthError.invalidArgument("linux.resources.unified: needs cgroup v2, this host's layout is \(host.layout.rawValue)")
            }
            for key in u.keys.sorted() {
                let parts = key.split(separator: ".", maxSplits: 1)
                guard !key.contains("/"), parts.count == 2 else {
                    throw BerthError.invalidArgument("linux.resources.unified: \(key.debugDescription) is not a CONTROLLER.PARAMETER file name")
                }
                let ctrl = String(parts[0])
                if ctrl != "cgroup" && !v2Available.contains(ctrl) {
                    throw BerthError.unavailable("linux.resources.unified[\(key.debugDescription)]: controller \(ctrl.debugDescription) is not available")
                }
            }
        }
    }

    /// mkdir of every hierarchy's directory; returns what it created,
    /// outermost first, so a failed create removes exactly that.
    func makeDirectories(for r: RuntimeSpec.Resources?) throws -> [String] {
        var created: [String] = []
        do {
            switch host.layout {
            case .unified:
                if let d = paths[""] { created += try makeV2Directory(d, enable: v2Available.sorted()) }
            case .legacy, .hybrid:
                for m in host.v1Mounts {
                    guard let d = paths[m.controllers[0]] else { continue }
                    created += try files.makeDirectories(d)
                    if m.controllers.contains("cpuset") { try inheritCpuset(mount: m.mountPoint, leaf: d) }
                }
                if let d = paths[""] {
                    // Controllers only cgroup2 offers on this host and the config needs.
                    let v2Only = Self.needs(r).compactMap { n -> String? in
                        guard paths[n.v1] == nil, let v2 = n.v2, v2Available.contains(v2) else { return nil }
                        return v2
                    }
                    created += try makeV2Directory(d, enable: v2Only)
                }
            }
        } catch let e as SystemError {
            for dir in created.reversed() { _ = try? files.removeTree(dir) }
            throw BerthError(e, while: "creating cgroup \(primaryPath)")
        }
        return created
    }

    /// runc's fs2 CreateCgroupPath: every level from the mount down, enabling
    /// `enable` in each ancestor's cgroup.subtree_control (all at once, then
    /// one by one; a controller that cannot be enabled shows up later as a
    /// missing file with the field that needed it).
    private func makeV2Directory(_ dir: String, enable: [String]) throws -> [String] {
        guard let mount = host.v2Mount?.mountPoint, dir.hasPrefix(mount) else { return try files.makeDirectories(dir) }
        var created: [String] = []
        var current = mount
        let below = dir.dropFirst(mount.count).split(separator: "/")
        for (i, part) in below.enumerated() {
            if !enable.isEmpty {
                let all = enable.map { "+" + $0 }.joined(separator: " ")
                if (try? files.write(current, "cgroup.subtree_control", all)) == nil {
                    for c in enable { try? files.write(current, "cgroup.subtree_control", "+" + c) }
                }
            }
            current += "/" + part
            created += try files.makeDirectories(current)
            _ = i
        }
        return created
    }

    /// cgroup v1 cpuset refuses tasks while cpuset.cpus or cpuset.mems is
    /// empty, and a new directory starts empty: copy them down from the
    /// parent at every level (runc's cpuset ensureParent).
    private func inheritCpuset(mount: String, leaf: String) throws {
        var current = mount
        for part in leaf.dropFirst(mount.count).split(separator: "/") {
            let parent = current
            current += "/" + part
            for file in ["cpuset.cpus", "cpuset.mems"] where (files.readIfPresent(current, file) ?? "").isEmpty {
                if let v = files.readIfPresent(parent, file), !v.isEmpty { try files.write(current, file, v) }
            }
        }
    }
}
