#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import CBerth
import FoundationEssentials

/// berth's OCI runtime: runc's lifecycle (runtime-spec runtime.md) on the
/// state directory `root`. Synchronous. `create`, `run` and `exec` fork the
/// child path from this process, so they run in the single-threaded
/// `berth runtime`, never inside the daemon; `start`, `state`, `kill`,
/// `delete`, `pause` and `resume` fork nothing and the daemon calls them
/// in-process, on a thread of their own (BerthEngine's OCIRuntime).
public final class Runtime {
    public let states: StateDirectory
    /// Warnings for the user (ignored options); the CLI prints them to the log.
    public var warn: (String) -> Void = { _ in }
    /// Called with the config before `create` changes anything: the CLI
    /// re-executes from a sealed copy there when the config needs it
    /// (`ExeSeal.reexecIfShared`).
    public var beforeCreate: (RuntimeSpec) -> Void = { _ in }

    /// Whether `delete` reaps the init (it is this process's child after
    /// `run`); false in the daemon, whose children are not containers.
    public var reapsInit = true

    public init(root: String) { self.states = StateDirectory(root: root) }

    public struct CreateOptions {
        public var bundle: String
        public var pidFile: String?
        public var consoleSocket: String?
        public var noPivot = false
        public var preserveFds: Int32 = 0
        public init(bundle: String, pidFile: String? = nil, consoleSocket: String? = nil, noPivot: Bool = false, preserveFds: Int32 = 0) {
            self.bundle = bundle; self.pidFile = pidFile; self.consoleSocket = consoleSocket; self.noPivot = noPivot
            self.preserveFds = preserveFds
        }
    }

    /// The result of `create` in the same process: the init is waiting on
    /// its exec fifo; `sync` is the parent's end of the sync socket and
    /// `console` the pty master when `run` made its own terminal.
    public struct Created {
        public var state: ContainerState
        public var sync: Int32
        public var console: Int32 = -1
        /// The cgroup `create` made (`run` removes it without reading the host's layout again).
        public var cgroup: Cgroup?
    }

    /// `create`: the container's namespaces, cgroup, rootfs and mounts, the
    /// process ready to exec, waiting for `start`. Nothing is left behind
    /// when it fails: no state directory, no cgroup, no process.
    @discardableResult
    public func create(id: String, _ options: CreateOptions, ownConsole: Bool = false) throws -> Created {
        try StateDirectory.validate(id: id)
        let bundle = try absolute(options.bundle)
        let (spec, configBytes) = try SpecLoader.loadWithBytes(bundle: bundle)
        let rootfs = try SpecLoader.rootfs(spec, bundle: bundle)
        beforeCreate(spec)
        try states.reserve(id)
        var cgroup: Cgroup?
        var fifoFD: Int32 = -1, consoleFD: Int32 = -1, ownConsoleEnd: Int32 = -1
        var cleanup = true
        defer {
            if fifoFD >= 0 { close(fifoFD) }
            if consoleFD >= 0 { close(consoleFD) }
            if cleanup {
                if ownConsoleEnd >= 0 { close(ownConsoleEnd) }
                if let cgroup { try? cgroup.destroy() }
                states.remove(id)
            }
        }
        cgroup = try Cgroup.create(cgroupsPath: spec.linux?.cgroupsPath, containerID: id, resources: spec.linux?.resources,
                                   linuxDevices: spec.linux?.devices ?? [])
        let host = HostFacts.current(spec: spec, bundle: bundle, rootfs: rootfs, cgroup: cgroup!)
        let plan = try InitPlan.create(spec: spec, rootfs: rootfs, bundle: bundle, host: host, noPivot: options.noPivot)
        plan.warnings.forEach(warn)

        let fifo = states.fifo(id)
        guard mkfifo(fifo, 0o622) == 0 else { throw BerthError(SystemError("mkfifo", path: fifo, errno: errno), while: "creating the exec fifo") }
        // Writable by the container's user, whatever our umask (runc chowns it to the container's root).
        chmod(fifo, 0o622)
        fifoFD = open(fifo, BERTH_O_PATH | O_CLOEXEC)
        if fifoFD < 0 { throw BerthError(SystemError("open", path: fifo, errno: errno), while: "opening the exec fifo") }
        if spec.process?.terminal == true {
            if let path = options.consoleSocket {
                consoleFD = try connectUnix(path)
            } else if ownConsole {
                var pair: [Int32] = [-1, -1]
                guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                    throw BerthError(SystemError("socketpair", errno: errno), while: "creating the console socket")
                }
                consoleFD = pair[0]; ownConsoleEnd = pair[1]
            }
        }
        var state = ContainerState(id: id, pid: 0, pidStartTime: 0, bundle: bundle, rootfs: rootfs, created: rfc3339Now(),
                                   cgroupPaths: cgroup!.paths, config: spec)
        var launcher = ChildLauncher(plan: plan)
        launcher.execFifo = fifoFD
        launcher.consoleSocket = consoleFD
        launcher.preserveFds = options.preserveFds
        launcher.cgroup = cgroup
        let started = try launcher.start(.init(
            placed: { pid in
                if plan.hasNewUserNamespace { try Self.writeIDMaps(pid: pid, plan: plan) }
                if let adj = spec.process?.oomScoreAdj { try Self.writeOOMScoreAdj(pid: pid, adj) }
            },
            sync: { pid, _ in
                // Only a plan with hooks has this sync point (InitPlan.create).
                let h = spec.hooks
                state.pid = pid
                let json = try Self.stateJSON(state, status: .created)
                try Hooks.run(h?.prestart, name: "prestart", state: json)
                try Hooks.run(h?.createRuntime, name: "createRuntime", state: json)
                return Array(json.utf8)
            }))
        state.pid = started.pid
        state.pidStartTime = ProcStat.startTime(of: started.pid) ?? 0
        do {
            try states.save(state, config: configBytes)
            if let pidFile = options.pidFile { try writeAtomically(try absolute(pidFile), Array("\(started.pid)".utf8), mode: 0o644) }
        } catch {
            Glibc.kill(started.pid, SIGKILL)
            var st: Int32 = 0
            waitpid(started.pid, &st, 0)
            close(started.sync)
            throw error
        }
        var created = Created(state: state, sync: started.sync, cgroup: cgroup)
        if ownConsoleEnd >= 0 {
            created.console = berth_recv_fd(ownConsoleEnd)
            close(ownConsoleEnd)
            ownConsoleEnd = -1
        }
        cleanup = false
        return created
    }

    /// `start`: lets the created init exec its process (opens the exec fifo
    /// for reading, which releases the init's open for writing), then runs
    /// the poststart hooks.
    public func start(id: String) throws { try start(try states.load(id)) }

    /// `start` of a state already in memory (`run` has it from `create`).
    func start(_ state: ContainerState) throws {
        let id = state.id
        let status = states.status(state)
        guard status == .created else {
            throw BerthError.conflict("cannot start container \(id) in state \(status.rawValue): it must be created")
        }
        let fifo = states.fifo(id)
        // Opened without blocking: an init that died before it opened its
        // end would leave a blocking open waiting for ever. The init's open
        // for writing returns once this end is open; it then writes "0".
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw BerthError(SystemError("open", path: fifo, errno: errno), while: "starting container \(id)") }
        var byte: UInt8 = 0
        var n = 0
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 100)
            if ready < 0 && errno == EINTR { continue }
            if ready > 0 {
                n = read(fd, &byte, 1)
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                break
            }
            if ready < 0 || states.status(state) == .stopped { break }
        }
        close(fd)
        unlink(fifo)
        guard n == 1 else { throw BerthError.conflict("container \(id) exited before it was started") }
        if let hooks = state.config.hooks?.poststart, !hooks.isEmpty {
            let json = try Self.stateJSON(state, status: .running)
            for warning in Hooks.runWarning(hooks, name: "poststart", state: json) { warn(warning) }
        }
    }

    /// The OCI state of `id`.
    public func state(id: String) throws -> OCIState {
        let state = try states.load(id)
        let status = states.status(state)
        return OCIState(ociVersion: state.config.ociVersion, id: id, status: status, pid: status == .stopped ? 0 : state.pid,
                        bundle: state.bundle, rootfs: state.rootfs, created: state.created, owner: state.owner,
                        annotations: state.config.annotations)
    }

    /// Every container, as `runc list`.
    public func list() -> [OCIState] { states.ids().compactMap { try? state(id: $0) } }

    /// `kill`: a signal to the init, or with `all` to every process in its cgroup.
    public func kill(id: String, signal: Int32, all: Bool = false) throws {
        let state = try states.load(id)
        let status = states.status(state)
        guard status != .stopped else { throw BerthError.conflict("container \(id) is not running") }
        if all {
            let cg = try Cgroup.load(paths: state.cgroupPaths)
            for pid in try cg.processes() { Glibc.kill(pid, signal) }
            return
        }
        if Glibc.kill(state.pid, signal) != 0 {
            throw BerthError(SystemError("kill", path: "pid \(state.pid)", errno: errno), while: "signalling container \(id)")
        }
    }

    /// `delete`: a stopped (or, as runc, a created) container's cgroup and
    /// state, then its poststop hooks; with `force` a running one is killed first.
    public func delete(id: String, force: Bool = false) throws {
        let state: ContainerState
        do { state = try states.load(id) } catch let e as BerthError where e.code == .notFound && force {
            return
        }
        try delete(state, force: force, cgroup: try? Cgroup.load(paths: state.cgroupPaths))
    }

    /// `delete` of a state (and cgroup) already in memory (`run`'s own container).
    func delete(_ state: ContainerState, force: Bool, cgroup cg: Cgroup?) throws {
        let id = state.id
        let status = states.status(state)
        if status == .running || status == .paused {
            guard force else {
                throw BerthError.conflict("cannot delete container \(id) that is not stopped: \(status.rawValue)")
            }
        }
        if status != .stopped {
            if status == .paused { try? cg?.thaw() }
            if let cg { try? cg.killAll(signal: SIGKILL) } else { Glibc.kill(state.pid, SIGKILL) }
            waitGone(state)
        }
        if let cg, !cg.removeIfEmpty() {
            // The processes may take a moment to leave the cgroup after SIGKILL.
            for _ in 0..<200 {
                if (try? cg.processes())?.isEmpty ?? true { break }
                try? cg.killAll(signal: SIGKILL)
                usleep(5000)
            }
            try cg.destroy()
        }
        states.remove(id)
        if let hooks = state.config.hooks?.poststop, !hooks.isEmpty {
            let json = (try? Self.stateJSON(state, status: .stopped)) ?? "{}"
            for warning in Hooks.runWarning(hooks, name: "poststop", state: json) { warn(warning) }
        }
    }

    public func pause(id: String) throws {
        let state = try states.load(id)
        guard states.status(state) == .running else { throw BerthError.conflict("container \(id) is not running") }
        try Cgroup.load(paths: state.cgroupPaths).freeze()
    }

    public func resume(id: String) throws {
        let state = try states.load(id)
        guard states.status(state) == .paused else { throw BerthError.conflict("container \(id) is not paused") }
        try Cgroup.load(paths: state.cgroupPaths).thaw()
    }

    /// New cgroup limits for a created, running or paused container (`runc update`).
    public func update(id: String, resources: RuntimeSpec.Resources) throws {
        let state = try states.load(id)
        guard states.status(state) != .stopped else { throw BerthError.conflict("container \(id) is stopped") }
        try Cgroup.load(paths: state.cgroupPaths).update(resources)
    }

    /// The pids in the container's cgroup.
    public func processes(id: String) throws -> [Int32] {
        let state = try states.load(id)
        return try Cgroup.load(paths: state.cgroupPaths).processes()
    }

    /// Waits (up to ~2 s) for a killed init to be gone.
    func waitGone(_ state: ContainerState) {
        for _ in 0..<400 {
            if states.status(state) == .stopped { return }
            var st: Int32 = 0
            if reapsInit { _ = waitpid(state.pid, &st, WNOHANG) }
            usleep(5000)
        }
    }

    static func stateJSON(_ state: ContainerState, status: ContainerState.Status) throws -> String {
        let oci = OCIState(ociVersion: state.config.ociVersion, id: state.id, status: status, pid: state.pid,
                           bundle: state.bundle, annotations: state.config.annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(oci), as: UTF8.self)
    }

    static func writeIDMaps(pid: Int32, plan: InitPlan) throws {
        func text(_ maps: [RuntimeSpec.IDMapping]) -> String {
            maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        }
        for (file, maps) in [("uid_map", plan.uidMappings), ("gid_map", plan.gidMappings)] {
            let path = "/proc/\(pid)/\(file)"
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 { throw BerthError(SystemError("open", path: path, errno: errno), while: "writing linux.\(file == "uid_map" ? "uidMappings" : "gidMappings")") }
            defer { close(fd) }
            do { try writeAll(fd, Array(text(maps).utf8)) } catch let e as SystemError {
                throw BerthError(.invalidArgument, "linux.\(file == "uid_map" ? "uidMappings" : "gidMappings"): the kernel refused \(text(maps).debugDescription)", cause: e)
            }
        }
    }

    static func writeOOMScoreAdj(pid: Int32, _ adj: Int) throws {
        guard (-1000...1000).contains(adj) else {
            throw BerthError.invalidArgument("process.oomScoreAdj: \(adj) is outside -1000…1000")
        }
        let path = "/proc/\(pid)/oom_score_adj"
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw BerthError(SystemError("open", path: path, errno: errno), while: "setting process.oomScoreAdj") }
        defer { close(fd) }
        do { try writeAll(fd, Array("\(adj)".utf8)) } catch let e as SystemError {
            // Lowering it needs CAP_SYS_RESOURCE, which some hosts' bounding set lacks.
            throw BerthError(.forbidden, "process.oomScoreAdj: cannot set \(adj)" + (e.errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : ""), cause: e)
        }
    }

    func connectUnix(_ path: String) throws -> Int32 {
        do { return try UnixSocket.connect(path) } catch {
            throw BerthError(error, while: "connecting to the console socket")
        }
    }
}

func absolute(_ path: String) throws -> String {
    if path.hasPrefix("/") { return path }
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
    guard getcwd(&buf, buf.count) != nil else { throw SystemError("getcwd", errno: errno) }
    let cwd = String(cString: buf)
    return path == "." || path.isEmpty ? cwd : cwd + "/" + path
}
