import BerthOCI
import BerthSystem

extension InitPlan {
    public enum Mode: Sendable { case create, exec }

    /// Asks for berth's init as pid 1 (`docker run --init`).
    public static let initAnnotation = "berth.init"

    /// The process steps, in runc's order (standard_init_linux.go): rlimits,
    /// no_new_privs, seccomp while still privileged when no_new_privs is off,
    /// the executable looked up, the user and capabilities, umask and cwd;
    /// then "ready", the wait for `start` (create only), startContainer
    /// hooks, and seccomp as late as possible when no_new_privs is on.
    mutating func planProcess(_ process: RuntimeSpec.Process, spec: RuntimeSpec, host: HostFacts, mode: Mode) throws {
        guard let args = process.args, let first = args.first, !first.isEmpty else {
            throw BerthError.invalidArgument("process.args: the process to run is missing (args is empty)")
        }
        guard process.cwd.hasPrefix("/") else {
            throw BerthError.invalidArgument("process.cwd: \(process.cwd.debugDescription) is not an absolute path")
        }
        for (i, e) in (process.env ?? []).enumerated() where !e.contains("=") || e.hasPrefix("=") {
            throw BerthError.invalidArgument("process.env[\(i)]: \(e.debugDescription) is not NAME=VALUE")
        }
        argv = args
        envp = process.env ?? []
        initProcess = mode == .create && spec.annotations?[Self.initAnnotation] == "true"
        if let profile = process.apparmorProfile, !profile.isEmpty, !host.hasAppArmor {
            warnings.append("process.apparmorProfile \(profile.debugDescription) ignored: AppArmor is not enabled on this host")
        }
        if let label = process.selinuxLabel, !label.isEmpty, !host.hasSELinux {
            warnings.append("process.selinuxLabel ignored: SELinux is not enabled on this host")
        }
        var seen = Set<String>()
        for (i, r) in (process.rlimits ?? []).enumerated() {
            let number: Int32
            do { number = try RlimitNames.number(r.type) } catch {
                throw BerthError.invalidArgument("process.rlimits[\(i)].type: unknown rlimit \(r.type.debugDescription)")
            }
            guard seen.insert(r.type).inserted else {
                throw BerthError.invalidArgument("process.rlimits[\(i)]: \(r.type) is given twice")
            }
            if r.soft > r.hard {
                throw BerthError.invalidArgument("process.rlimits[\(i)]: soft limit \(r.soft) of \(r.type) is above its hard limit \(r.hard)")
            }
            ops.append(InitOp(.rlimit, "setrlimit \(r.type) soft=\(r.soft) hard=\(r.hard)", n: Int(number),
                              n2: Int(bitPattern: UInt(r.soft)), n3: Int(bitPattern: UInt(r.hard))))
        }
        if let p = spec.linux?.personality {
            switch p.domain {
            case "LINUX": ops.append(InitOp(.personality, "personality LINUX", n: 0))
            case "LINUX32": ops.append(InitOp(.personality, "personality LINUX32", n: 8))
            default: throw BerthError.invalidArgument("linux.personality.domain: unknown domain \(p.domain.debugDescription)")
            }
        }
        let nnp = process.noNewPrivileges ?? false
        if nnp { ops.append(InitOp(.noNewPrivileges, "set no_new_privs")) }
        var seccompOp: InitOp?
        if let profile = spec.linux?.seccomp {
            let program = try SeccompCompiler.compile(profile)
            var op = InitOp(.seccomp, "load the seccomp filter (\(program.instructionCount) instructions)", n: Int(program.flags))
            op.data = program.bpf
            seccompOp = op
            if !nnp { ops.append(op) }
        }
        ops.append(InitOp(.lookup, "find \(first) in the container", a: first, d: Self.pathVariable(envp)))
        var id = InitOp(.identity, "set user \(process.user.uid):\(process.user.gid) and capabilities")
        id.identity = try identity(process, host: host)
        ops.append(id)
        // A uid change clears the dumpable flag, which makes /proc/self/fd
        // root's: the exec fifo could no longer be reopened through it.
        // execve sets the flag anew from the binary in any case. An exec has
        // no fifo and stays non-dumpable until it execs (ExeSeal).
        if mode == .create { ops.append(InitOp(.dumpable, "set dumpable", n: 1)) }
        ops.append(InitOp(.umask, "umask", n: Int(process.user.umask ?? 0o022)))
        ops.append(InitOp(.chdir, "chdir to \(process.cwd)", a: process.cwd))
        ops.append(InitOp(.ready, "report ready"))
        if mode == .create {
            ops.append(InitOp(.execFifo, "wait for start"))
            planHooks(spec.hooks?.startContainer, name: "startContainer")
        }
        if nnp, let seccompOp { ops.append(seccompOp) }
    }

    /// PATH from the container's environment (what execvpe would search).
    static func pathVariable(_ env: [String]) -> String? {
        env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
    }

    /// The five capability sets as masks. Names the kernel does not know
    /// are refused; capabilities this process's bounding set lacks cannot be
    /// granted and are dropped with a warning (a runtime inside a container,
    /// like this machine without CAP_SYS_RESOURCE).
    mutating func identity(_ process: RuntimeSpec.Process, host: HostFacts) throws -> InitOp.Identity {
        let caps = process.capabilities
        func mask(_ names: [String]?, _ set: String) throws -> UInt64 {
            var m: UInt64 = 0
            for (i, name) in (names ?? []).enumerated() {
                let n: Int32
                do { n = try CapabilityNames.number(name) } catch {
                    throw BerthError.invalidArgument("process.capabilities.\(set)[\(i)]: unknown capability \(name.debugDescription)")
                }
                if n > host.lastCap {
                    warnings.append("process.capabilities.\(set): \(name) is unknown to this kernel; ignored")
                    continue
                }
                if host.bounding & (1 << UInt64(n)) == 0 {
                    if set == "bounding" { warnings.append("process.capabilities: \(name) is not in this host's bounding set; dropped") }
                    continue
                }
                m |= 1 << UInt64(n)
            }
            return m
        }
        let bounding = try mask(caps?.bounding, "bounding")
        return InitOp.Identity(
            uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [],
            setGroups: true, bounding: bounding,
            effective: try mask(caps?.effective, "effective"), permitted: try mask(caps?.permitted, "permitted"),
            inheritable: try mask(caps?.inheritable, "inheritable"), ambient: try mask(caps?.ambient, "ambient"),
            lastCap: host.lastCap)
    }

    /// The plan of `berth runtime exec`: join every namespace of the
    /// container's init, then the process steps.
    public static func exec(process: RuntimeSpec.Process, spec: RuntimeSpec, initPid: Int32, host: HostFacts) throws -> InitPlan {
        var plan = InitPlan()
        for type in NamespaceKind.joinOrder {
            guard spec.linux?.namespaces?.contains(where: { $0.type == type }) == true,
                  let flag = NamespaceKind.flags[type], let proc = NamespaceKind.procName[type] else { continue }
            plan.joins.append(Join(type: type, path: "/proc/\(initPid)/ns/\(proc)", flag: flag))
            plan.namespaces.append(RuntimeSpec.Namespace(type: type, path: "/proc/\(initPid)/ns/\(proc)"))
        }
        plan.planChildJoins()
        if process.terminal == true {
            plan.ops.append(InitOp(.console, "create the process's terminal",
                                   n2: Int(process.consoleSize?.height ?? 0), n3: Int(process.consoleSize?.width ?? 0)))
        }
        var execSpec = spec
        execSpec.hooks = nil
        try plan.planProcess(process, spec: execSpec, host: host, mode: .exec)
        return plan
    }
}
