#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem
import CBerth

/// Starts the child path of an `InitPlan` (CBerth's berth_spawn_child) and
/// speaks the sync protocol with it: "P <pid>" from the intermediate, "G"
/// to the child once the parent has placed it (cgroup, id maps), "S <point>"
/// answered with the OCI state for hooks, "R" when it is ready, "E <op>
/// <errno> <detail>" when a step failed. Runs in the single-threaded
/// `berth runtime` process, never in the daemon.
public struct ChildLauncher {
    public var plan: InitPlan
    /// An fd of the exec fifo (create), opened O_PATH by the caller.
    public var execFifo: Int32 = -1
    /// The console socket to send the pty master over (terminal).
    public var consoleSocket: Int32 = -1
    /// fds 3 … 3+n-1 the process gets (runc's --preserve-fds); the rest are closed.
    public var preserveFds: Int32 = 0
    /// The cgroup the child starts in: it enters it itself where it can
    /// (`Cgroup.selfJoin`), the launcher moves it into the rest before
    /// `placed`.
    public var cgroup: Cgroup?

    public init(plan: InitPlan) { self.plan = plan }

    /// What the parent does at each point; `placed` runs after the clone and
    /// before the child's first step, `sync` answers a sync point with the
    /// state JSON the hooks get.
    public struct Callbacks {
        public var placed: (Int32) throws -> Void
        public var sync: (Int32, SyncPoint) throws -> [UInt8]
        public init(placed: @escaping (Int32) throws -> Void, sync: @escaping (Int32, SyncPoint) throws -> [UInt8]) {
            self.placed = placed; self.sync = sync
        }
    }

    /// A started child: its pid and the parent's end of the sync socket
    /// (still open: the child closes its end when it execs).
    public struct Started {
        public var pid: Int32
        public var sync: Int32
    }

    /// Starts the child and returns once it reported ready. On any error the
    /// child is killed and reaped before the error is thrown.
    public func start(_ callbacks: Callbacks) throws -> Started {
        let arena = CArena()
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        func open(_ path: String, _ what: String) throws -> Int32 {
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw BerthError(SystemError("open", path: path, errno: errno), while: what) }
            fds.append(fd)
            return fd
        }
        var ops = plan.ops
        var cgroupFD: Int32 = -1
        var entered = Set<String>(), cloneInto: String?
        // In a user namespace the child's writes would be checked against
        // its unmapped ids on older kernels: the parent moves it there.
        if let cgroup, !plan.hasNewUserNamespace, !plan.joins.contains(where: { $0.type == "user" }) {
            let join = cgroup.selfJoin
            var first: [InitOp] = []
            for dir in join.tasks {
                let fd = Glibc.open(dir + "/tasks", O_WRONLY | O_CLOEXEC)
                if fd < 0 { continue }  // the launcher writes cgroup.procs instead
                fds.append(fd)
                var op = InitOp(.cgroupJoin, "join cgroup \(dir)", a: dir)
                op.n = Int(fd)
                first.append(op)
                entered.insert(dir)
            }
            ops.insert(contentsOf: first, at: 0)
            if let dir = join.clone {
                cgroupFD = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if cgroupFD >= 0 { fds.append(cgroupFD); cloneInto = dir }
            }
        }
        for i in ops.indices {
            switch ops[i].kind {
            case .setns: ops[i].n = Int(try open(ops[i].a ?? "", ops[i].what))
            case .execFifo: ops[i].n = Int(execFifo)
            case .console:
                guard consoleSocket >= 0 else { throw BerthError.invalidArgument("process.terminal is true but no console socket was given (--console-socket)") }
                ops[i].n = Int(consoleSocket)
            default: break
            }
        }
        var joinFds: [Int32] = [], joinTypes: [Int32] = []
        for j in plan.intermediateJoins {
            joinFds.append(try open(j.path, "join \(j.type) namespace \(j.path)"))
            joinTypes.append(j.flag)
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw BerthError(SystemError("socketpair", errno: errno), while: "creating the sync socket")
        }
        let parentEnd = pair[0]
        var cops = ops.map { arena.op($0) }
        let argv = arena.strings(plan.argv), envp = arena.strings(plan.envp)
        // Nothing to join before the clone: no intermediate, the child is
        // cloned from here (one fork less).
        let direct = joinFds.isEmpty
        var directInCgroup: Int32 = 0
        let mid: pid_t = cops.withUnsafeBufferPointer { opsBuf in
            joinFds.withUnsafeBufferPointer { jf in
                joinTypes.withUnsafeBufferPointer { jt in
                    var spawn = berth_spawn(clone_flags: plan.cloneFlags, join_fds: jf.baseAddress, join_types: jt.baseAddress,
                                            njoin: Int32(jf.count), sync_fd: pair[1], ops: opsBuf.baseAddress,
                                            nops: Int32(opsBuf.count), argv: argv, envp: envp, wait_go: 1, preserve_fds: preserveFds,
                                            init_mode: plan.initProcess ? 1 : 0, use_dmz: ExeSeal.hasDmz ? 1 : 0,
                                            cgroup_fd: cgroupFD)
                    return direct ? berth_spawn_direct(&spawn, &directInCgroup) : berth_spawn_child(&spawn)
                }
            }
        }
        _ = cops.count
        close(pair[1])
        if mid < 0 {
            let e = errno
            close(parentEnd)
            if direct { throw BerthError(SystemError("clone", errno: e), while: "create the container's namespaces") }
            throw BerthError(SystemError("fork", errno: e), while: "starting the container's init")
        }
        let reader = LineReader(fd: parentEnd)
        var pid: Int32 = direct ? mid : -1
        do {
            var inCgroup = directInCgroup == 1
            if !direct {
                let first = try reader.line()
                var status: Int32 = 0
                while waitpid(mid, &status, 0) < 0 && errno == EINTR {}
                (pid, inCgroup) = try intermediateResult(first)
            }
            if let cgroup {
                if inCgroup, let dir = cloneInto { entered.insert(dir) }
                try cgroup.add(pid: pid, except: entered)
            }
            try callbacks.placed(pid)
            try writeAll(parentEnd, [UInt8(ascii: "G")])
            while true {
                guard let line = try reader.line() else {
                    throw BerthError.internalError("the container's init exited during setup without a report (see the runtime log)")
                }
                let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                switch fields.first {
                case "R":
                    return Started(pid: pid, sync: parentEnd)
                case "S":
                    let point = SyncPoint(rawValue: Int32(fields.count > 1 ? fields[1] : "") ?? 0) ?? .createRuntime
                    let state = try callbacks.sync(pid, point)
                    var length = UInt32(state.count)
                    let header = withUnsafeBytes(of: &length) { Array($0) }
                    try writeAll(parentEnd, header + state)
                case "E":
                    throw childError(fields, ops: ops)
                default:
                    throw BerthError.internalError("unexpected message from the container's init: \(line.debugDescription)")
                }
            }
        } catch {
            if pid > 0 {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            close(parentEnd)
            throw error
        }
    }

    /// "P <pid> <1 when cloned into the cgroup>" → the child's pid and whether it is in `cgroup_fd`.
    func intermediateResult(_ line: String?) throws -> (Int32, Bool) {
        guard let line else { throw BerthError.internalError("the runtime's intermediate process exited without a report") }
        let f = line.split(separator: " ")
        let a = f.count > 1 ? Int32(f[1]) ?? -1 : -1
        let err = f.count > 2 ? Int32(f[2]) ?? 0 : 0
        switch f.first {
        case "P": return (a, err == 1)
        case "J":
            let j = plan.intermediateJoins[Int(a)]
            throw BerthError(SystemError("setns", path: j.path, errno: err), while: "join \(j.type) namespace \(j.path)")
        default:
            throw BerthError(SystemError("clone", errno: err), while: "create the container's namespaces")
        }
    }

    /// "E <index> <errno> <detail>" → the step's own description.
    public static func describe(index: Int, errno err: Int32, detail: String, ops: [InitOp], argv: [String]) -> BerthError {
        let what: String
        if index >= 0 && index < ops.count { what = ops[index].what }
        else { what = "exec \(argv.first ?? "?")" }
        var call = what
        if !detail.isEmpty && !detail.hasPrefix("/") { call += " (\(detail))" }
        let system = SystemError(call, path: nil, errno: err)
        if index < ops.count && index >= 0 && ops[index].kind == .lookup && (err == ENOENT || err == EACCES) {
            let name = ops[index].a ?? "?"
            return BerthError(.invalidArgument, "exec: \(name.debugDescription): "
                + (err == ENOENT ? "executable file not found in $PATH" : "permission denied"), cause: nil)
        }
        return BerthError(system.code, system.description)
    }

    func childError(_ fields: [Substring], ops: [InitOp]) -> BerthError {
        let index = fields.count > 1 ? Int(fields[1]) ?? -1 : -1
        let err = fields.count > 2 ? Int32(fields[2]) ?? 0 : 0
        let detail = fields.count > 3 ? String(fields[3]) : ""
        return Self.describe(index: index, errno: err, detail: detail, ops: ops, argv: plan.argv)
    }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError("write", errno: errno)
        }
        offset += n
    }
}

/// Lines from a blocking fd, read a chunk at a time.
final class LineReader {
    let fd: Int32
    var buffer: [UInt8] = []
    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline, or nil at end of file.
    func line() throws -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: "sync socket", errno: errno)
            }
            if n == 0 {
                if buffer.isEmpty { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}

/// C copies of the plan's strings and arrays, alive as long as the arena.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for b in blocks { free(b) } }

    func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s else { return nil }
        let p = strdup(s)!
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func strings(_ list: [String]?) -> UnsafePointer<UnsafePointer<CChar>?>? {
        guard let list else { return nil }
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: list.count + 1)
        blocks.append(UnsafeMutableRawPointer(array))
        for (i, s) in list.enumerated() { array[i] = string(s) }
        array[list.count] = nil
        return UnsafePointer(array)
    }

    func bytes<T>(_ values: [T]) -> UnsafeRawPointer {
        let size = max(1, values.count * MemoryLayout<T>.stride)
        let p = malloc(size)!
        blocks.append(p)
        values.withUnsafeBytes { if let base = $0.baseAddress { memcpy(p, base, $0.count) } }
        return UnsafeRawPointer(p)
    }

    func op(_ op: InitOp) -> berth_op {
        var c = berth_op()
        c.kind = op.kind.rawValue
        c.a = string(op.a); c.b = string(op.b); c.c = string(op.c); c.d = string(op.d)
        c.flags = op.flags
        c.n = op.n; c.n2 = op.n2; c.n3 = op.n3
        c.argv = strings(op.argv)
        c.envp = strings(op.envp)
        if let data = op.data {
            c.data = bytes(data)
            c.len = data.count
        }
        if let id = op.identity {
            let groups = bytes(id.additionalGids).assumingMemoryBound(to: UInt32.self)
            let ident = berth_identity(uid: id.uid, gid: id.gid, groups: groups, ngroups: id.additionalGids.count,
                                       set_groups: id.setGroups ? 1 : 0, bounding: id.bounding, effective: id.effective,
                                       permitted: id.permitted, inheritable: id.inheritable, ambient: id.ambient,
                                       last_cap: id.lastCap)
            c.data = bytes([ident])
            c.len = MemoryLayout<berth_identity>.stride
        }
        return c
    }
}
