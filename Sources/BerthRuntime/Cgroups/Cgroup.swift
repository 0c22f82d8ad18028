#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem

/// A container's cgroup: one directory per v1 hierarchy, or one cgroup2
/// directory, or — on the hybrid layout — the v1 directories plus a cgroup2
/// directory that only tracks the processes. Synchronous by design: it runs
/// in the single-threaded `berth runtime`.
///
/// Order of use (as runc): `create` before the container's init runs, `add`
/// its pid while it still waits before exec, then `freeze`/`thaw`, `stats`,
/// `update`; at the end `killAll(SIGKILL)`, wait for the processes, `destroy`.
public final class Cgroup {
    /// Controller (each of a co-mounted v1 set, "name=systemd", or "" for the
    /// cgroup2 directory) → directory. Store it in state.json; `load(paths:)`
    /// brings the same cgroup back from any cgroup the caller is in.
    public let paths: [String: String]
    let host: CgroupHost
    /// Controllers the cgroup2 hierarchy offers (its root's cgroup.controllers).
    let v2Available: Set<String>
    /// Replaced by unit tests with a recorder: the fake hierarchy cannot take BPF.
    var attachDeviceFilter: ([BPFInstruction], String) throws -> Void = { try DeviceFilter.attach($0, to: $1) }

    var files: CgroupFiles { host.files }

    init(host: CgroupHost, paths: [String: String]) {
        self.host = host
        self.paths = paths
        var available = Set<String>()
        if let m = host.v2Mount, let s = host.files.readIfPresent(m.mountPoint, "cgroup.controllers") {
            available = Set(s.split(separator: " ").map(String.init))
        }
        self.v2Available = available
    }

    /// The host's layout, from /proc/self/mountinfo and /proc/self/cgroup;
    /// `.unified` when nothing can be read (the v2-only default of new hosts).
    public static var layout: CgroupLayout { (try? CgroupHost.current().layout) ?? .unified }

    /// Creates the container's cgroup and applies `resources` before any
    /// process is in it. Device access is always set: `resources.devices`,
    /// then `DeviceRules.defaultAllowed`, then `linuxDevices` (rwm), as runc
    /// does. On any error nothing is left behind.
    public static func create(cgroupsPath: String?, containerID: String, resources: RuntimeSpec.Resources?,
                              linuxDevices: [RuntimeSpec.Device] = []) throws -> Cgroup {
        try create(host: CgroupHost.current(), inner: CgroupInnerPath.parse(cgroupsPath: cgroupsPath, containerID: containerID),
                   resources: resources, linuxDevices: linuxDevices)
    }

    static func create(host: CgroupHost, inner: CgroupInnerPath, resources: RuntimeSpec.Resources?,
                       linuxDevices: [RuntimeSpec.Device] = [],
                       deviceAttacher: (([BPFInstruction], String) throws -> Void)? = nil) throws -> Cgroup {
        let paths = host.directories(for: inner)
        if paths.isEmpty { throw BerthError.unavailable("no cgroup hierarchy is mounted") }
        let cg = Cgroup(host: host, paths: paths)
        if let deviceAttacher { cg.attachDeviceFilter = deviceAttacher }
        // Validate everything before the first mkdir.
        try cg.checkControllers(for: resources)
        let devices = try CgroupDeviceRule.validate(DeviceRules.effective(resources: resources, linuxDevices: linuxDevices))
        _ = try CgroupDeviceEmulator(devices)

        var created: [String] = []
        do {
            created = try cg.makeDirectories(for: resources)
            try cg.apply(resources, devices: devices, userDevices: !(resources?.devices ?? []).isEmpty)
        } catch {
            for dir in created.reversed() { rmdir(dir) }
            throw error
        }
        return cg
    }

    /// The cgroup `create` made for the same arguments (from the same cgroup
    /// as the creator, for relative paths); notFound when it is not there.
    public static func load(cgroupsPath: String?, containerID: String) throws -> Cgroup {
        let host = try CgroupHost.current()
        let inner = try CgroupInnerPath.parse(cgroupsPath: cgroupsPath, containerID: containerID)
        return try load(host: host, paths: host.directories(for: inner))
    }

    /// The cgroup at `paths` (as `paths` returned them when it was created).
    public static func load(paths: [String: String]) throws -> Cgroup {
        try load(host: CgroupHost.current(), paths: paths)
    }

    static func load(host: CgroupHost, paths: [String: String]) throws -> Cgroup {
        let cg = Cgroup(host: host, paths: paths)
        guard let any = cg.uniqueDirectories.first(where: { host.files.exists($0) }) else {
            throw BerthError.notFound("cgroup \(cg.primaryPath) does not exist")
        }
        _ = any
        return cg
    }

    /// Each directory once, v1 hierarchies first, the cgroup2 one last.
    var uniqueDirectories: [String] {
        var seen = Set<String>(), out: [String] = []
        for key in paths.keys.sorted(by: { ($0.isEmpty ? 1 : 0, $0) < ($1.isEmpty ? 1 : 0, $1) }) {
            if let d = paths[key], seen.insert(d).inserted { out.append(d) }
        }
        return out
    }

    /// The path to show a person: the cgroup2 directory or the memory one.
    var primaryPath: String { paths[""] ?? paths["memory"] ?? uniqueDirectories.first ?? "?" }

    /// Moves process `pid` (all its threads) into every hierarchy's directory
    /// but those in `except`.
    public func add(pid: Int32, except: Set<String> = []) throws {
        for dir in uniqueDirectories where !except.contains(dir) {
            do { try files.write(dir, "cgroup.procs", String(pid)) } catch let e as SystemError {
                throw BerthError(e, while: "moving process \(pid) into cgroup \(dir)")
            }
        }
    }

    /// The directories a new single-threaded child can enter without the
    /// parent writing its pid to cgroup.procs, which takes the kernel's
    /// threadgroup lock and waits an RCU grace period (5-15 ms, once per
    /// start): on v1 the child writes "0" to each hierarchy's `tasks` file
    /// (moving only itself needs no such lock), on cgroup2 it is cloned into
    /// the directory (clone3's CLONE_INTO_CGROUP). `add(pid:except:)` moves
    /// it into whatever the child could not enter itself.
    public var selfJoin: (tasks: [String], clone: String?) {
        var tasks: [String] = [], clone: String?
        for dir in uniqueDirectories {
            if paths[""] == dir { clone = dir } else { tasks.append(dir) }
        }
        return (tasks, clone)
    }

    /// Every process in the cgroup or the cgroups nested in it, ascending.
    public func processes() throws -> [Int32] {
        var pids = Set<Int32>()
        for dir in uniqueDirectories where files.exists(dir) { try collect(dir, into: &pids) }
        return pids.sorted()
    }

    private func collect(_ dir: String, into pids: inout Set<Int32>) throws {
        let text: String
        do { text = try files.read(dir, "cgroup.procs") } catch let e as SystemError {
            if e.errno == ENOENT { return }
            throw BerthError(e, while: "listing the processes of cgroup \(dir)")
        }
        for line in text.split(separator: "\n") { if let p = Int32(line) { pids.insert(p) } }
        for sub in files.subdirectories(dir) { try collect(sub, into: &pids) }
    }

    /// Removes the cgroup's directories if nothing is left in them, without
    /// reading their process lists first: rmdir itself refuses a cgroup that
    /// still has processes (EBUSY) or nested cgroups (ENOTEMPTY). Returns
    /// false at the first refusal; `destroy` then does the rest.
    public func removeIfEmpty() -> Bool {
        for dir in uniqueDirectories.sorted(by: { $0.count > $1.count }) where rmdir(dir) != 0 && errno != ENOENT {
            return false
        }
        return true
    }

    /// Removes the cgroup's directories (and cgroups nested in them). Fails
    /// with `conflict` naming the pids when processes remain: kill them and
    /// wait for them first.
    public func destroy() throws {
        let left = try processes()
        if !left.isEmpty {
            throw BerthError.conflict("cgroup \(primaryPath) still has processes: "
                + left.prefix(10).map(String.init).joined(separator: ", ") + (left.count > 10 ? " …" : ""))
        }
        for dir in uniqueDirectories.sorted(by: { $0.count > $1.count }) {
            do { try files.removeTree(dir) } catch let e as SystemError {
                throw BerthError(e, while: "removing cgroup \(dir)")
            }
        }
    }
}
