import BerthOCI
import BerthSystem

extension InitPlan {
    /// The devices every container gets (runtime-spec config-linux.md
    /// "Default Devices"): type, path, major, minor, mode.
    static let defaultDevices: [(String, Int, Int)] = [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ]

    /// The plan of `berth runtime create`: namespaces, the rootfs and its
    /// mounts, pivot_root, then the process (InitPlan+Process.swift).
    /// `rootfs` is the resolved root path; `fifo` and the console socket are
    /// opened by the launcher.
    public static func create(spec: RuntimeSpec, rootfs: String, bundle: String, host: HostFacts,
                              noPivot: Bool = false) throws -> InitPlan {
        var plan = InitPlan()
        try plan.planNamespaces(spec)
        guard let process = spec.process else {
            throw BerthError.invalidArgument("process: config.json has no process to run")
        }
        if plan.hasNewUserNamespace {
            // The child's ids are unmapped until the parent writes the maps;
            // it then becomes the namespace's root (runc's nsexec does too).
            plan.ops.append(InitOp(.becomeRoot, "become root in the new user namespace"))
        }
        plan.planChildJoins()
        if plan.newCgroupNamespace {
            plan.ops.append(InitOp(.unshare, "unshare the cgroup namespace", n: Int(NamespaceKind.flags["cgroup"]!)))
        }
        // The parent runs prestart and createRuntime hooks at the sync point
        // and sends the state the in-container hooks read; without hooks
        // there is nothing to wait for.
        let h = spec.hooks
        let hooked = [h?.prestart, h?.createRuntime, h?.createContainer, h?.startContainer].contains { !($0 ?? []).isEmpty }
        let sync = InitOp(.sync, "run the prestart and createRuntime hooks", n: Int(SyncPoint.createRuntime.rawValue))
        if plan.creates("mount") {
            try plan.planRootfs(spec, rootfs: rootfs, bundle: bundle, host: host, terminal: process.terminal ?? false)
            if hooked { plan.ops.append(sync) }
            plan.planHooks(spec.hooks?.createContainer, name: "createContainer")
            plan.ops.append(InitOp(.pivotRoot, noPivot || host.rootfsOnRamfs ? "move the rootfs onto / and chroot" : "pivot_root into \(rootfs)",
                                   n: noPivot || host.rootfsOnRamfs ? 1 : 0))
        } else {
            if hooked { plan.ops.append(sync) }
            plan.planHooks(spec.hooks?.createContainer, name: "createContainer")
        }
        if process.terminal == true {
            plan.ops.append(InitOp(.console, "create the container's terminal", flags: 1,
                                   n2: Int(process.consoleSize?.height ?? 0), n3: Int(process.consoleSize?.width ?? 0)))
        }
        if spec.root?.readonly == true {
            plan.ops.append(InitOp(.remountBind, "remount the rootfs read-only", b: "/", flags: MountFlag.rdonly))
        }
        if plan.creates("uts") {
            if let h = spec.hostname, !h.isEmpty { plan.ops.append(InitOp(.sethostname, "sethostname \(h)", a: h)) }
            if let d = spec.domainname, !d.isEmpty { plan.ops.append(InitOp(.setdomainname, "setdomainname \(d)", a: d)) }
        } else if !(spec.hostname ?? "").isEmpty {
            throw BerthError.invalidArgument("hostname: setting a hostname needs a new uts namespace in linux.namespaces")
        }
        try plan.planSysctls(spec.linux?.sysctl ?? [:])
        for path in spec.linux?.readonlyPaths ?? [] {
            plan.ops.append(InitOp(.readonly, "make \(path) read-only", b: path))
        }
        for path in spec.linux?.maskedPaths ?? [] {
            plan.ops.append(InitOp(.mask, "mask \(path)", b: path))
        }
        try plan.planProcess(process, spec: spec, host: host, mode: .create)
        return plan
    }

    /// The rootfs: "/" made a slave, the rootfs bound onto itself (pivot_root
    /// needs a mount point), the config's mounts in order, then /dev.
    mutating func planRootfs(_ spec: RuntimeSpec, rootfs: String, bundle: String, host: HostFacts, terminal: Bool) throws {
        let propagation = try MountOptions.rootPropagation(spec.linux?.rootfsPropagation)
        ops.append(InitOp(.propagation, "make / \(propagationName(propagation))", b: "/", flags: propagation,
                          n: InitOp.PathFlags.outsideRoot.rawValue))
        ops.append(InitOp(.mount, "bind-mount the rootfs \(rootfs) onto itself", a: rootfs, b: rootfs,
                          flags: MountFlag.bind | MountFlag.rec, n: InitOp.PathFlags.outsideRoot.rawValue))
        ops.append(InitOp(.openRoot, "open the rootfs \(rootfs)", a: rootfs))

        var devIsBound = false
        var devMounted = false
        for (i, m) in (spec.mounts ?? []).enumerated() {
            let dest = m.destination.hasPrefix("/") ? m.destination : "/" + m.destination
            let field = "mounts[\(i)]"
            if dest == "/" { throw BerthError.invalidArgument("\(field).destination: cannot mount over the rootfs \"/\"") }
            let options = MountOptions(m.options ?? [])
            let type = m.type ?? (options.isBind ? "bind" : "")
            if type == "cgroup" || type == "cgroup2" {
                try planCgroupMount(dest: dest, options: options, host: host)
                continue
            }
            var flags = options.flags
            var source = m.source ?? type
            let isBind = options.isBind || type == "bind"
            if isBind {
                flags |= MountFlag.bind
                if !source.hasPrefix("/") { source = bundle + "/" + source }
                if dest == "/dev" { devIsBound = true }
            } else if type.isEmpty {
                throw BerthError.invalidArgument("\(field).type: a mount of \(m.source ?? "?") on \(dest) needs a type or the bind option")
            }
            if dest == "/dev" { devMounted = true }
            let make: InitOp.PathFlags = isBind && host.fileSources.contains(source) ? .makeFile : .makeDirectory
            var op = InitOp(.mount, "mount \(isBind ? "bind " : "")\(source) on \(dest)\(type.isEmpty || isBind ? "" : " (\(type))")",
                            a: source, b: dest, c: isBind ? nil : type,
                            d: options.data.isEmpty ? nil : options.data.joined(separator: ","), flags: flags, n: make.rawValue)
            if type == "mqueue" || type == "sysfs" {
                // runc: without their own ipc/net namespace these are bound from the host.
                if (type == "mqueue" && !has("ipc")) || (type == "sysfs" && !has("network")) {
                    op = InitOp(.mount, "bind /\(type == "mqueue" ? "dev/mqueue" : "sys") on \(dest)",
                                a: type == "mqueue" ? "/dev/mqueue" : "/sys", b: dest,
                                flags: flags | MountFlag.bind | MountFlag.rec, n: make.rawValue)
                }
            }
            ops.append(op)
            for p in options.propagation {
                ops.append(InitOp(.propagation, "make \(dest) \(propagationName(p))", b: dest, flags: p))
            }
        }
        if !devIsBound {
            planDevices(spec, host: host, devMounted: devMounted, terminal: terminal)
        }
    }

    /// /dev: the default devices and linux.devices (mknod, or bind-mounted
    /// from the host inside a user namespace, where mknod is not allowed),
    /// and the symlinks runc makes.
    mutating func planDevices(_ spec: RuntimeSpec, host: HostFacts, devMounted: Bool, terminal: Bool) {
        var devices: [(path: String, mode: Int, major: Int, minor: Int, uid: Int, gid: Int)] = []
        if devMounted {
            for (path, major, minor) in Self.defaultDevices {
                devices.append((path, 0o20666, major, minor, 0, 0))
            }
        }
        for d in spec.linux?.devices ?? [] {
            let typeBits: Int
            switch d.type {
            case "b": typeBits = 0o060000
            case "p": typeBits = 0o010000
            default: typeBits = 0o020000
            }
            let mode = typeBits | Int(d.fileMode ?? 0o666) & 0o7777
            devices.removeAll { $0.path == d.path }
            devices.append((d.path, mode, Int(d.major ?? 0), Int(d.minor ?? 0), Int(d.uid ?? 0), Int(d.gid ?? 0)))
        }
        for d in devices {
            if hasNewUserNamespace {
                ops.append(InitOp(.mount, "bind the host's \(d.path) into the container", a: d.path, b: d.path,
                                  flags: MountFlag.bind, n: InitOp.PathFlags.makeFile.rawValue))
            } else {
                let dev = UInt((d.major & 0xfff) << 8 | (d.minor & 0xff) | ((d.minor & ~0xff) << 12))
                ops.append(InitOp(.mknod, "mknod \(d.path)", b: d.path, flags: dev, n: d.mode, n2: d.uid, n3: d.gid))
            }
        }
        guard devMounted else { return }
        var links = [("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
                     ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"), ("pts/ptmx", "/dev/ptmx")]
        if host.hasKcore { links.append(("/proc/kcore", "/dev/core")) }
        for (target, link) in links {
            ops.append(InitOp(.symlink, "symlink \(link) -> \(target)", a: target, b: link))
        }
    }

    /// /sys/fs/cgroup: cgroup2 (v2), or a tmpfs with one mount per v1
    /// hierarchy (v1, hybrid), each a fresh mount in a cgroup namespace or
    /// the container's own cgroup bound from the host without one.
    mutating func planCgroupMount(dest: String, options: MountOptions, host: HostFacts) throws {
        let flags = options.flags & ~MountFlag.bind
        let fresh = has("cgroup")
        let points = host.cgroupMounts
        if points.count == 1, points[0].name.isEmpty {
            let p = points[0]
            ops.append(fresh
                ? InitOp(.mount, "mount cgroup2 on \(dest)", a: "cgroup2", b: dest, c: "cgroup2", flags: flags, n: InitOp.PathFlags.makeDirectory.rawValue)
                : InitOp(.mount, "bind the container's cgroup \(p.hostPath) on \(dest)", a: p.hostPath, b: dest,
                         flags: flags | MountFlag.bind, n: InitOp.PathFlags.makeDirectory.rawValue))
            return
        }
        ops.append(InitOp(.mount, "mount tmpfs on \(dest) for the cgroup hierarchies", a: "tmpfs", b: dest, c: "tmpfs",
                          d: "mode=755", flags: MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec,
                          n: InitOp.PathFlags.makeDirectory.rawValue))
        for p in points {
            let target = dest + "/" + p.name
            if fresh {
                ops.append(InitOp(.mount, "mount cgroup \(p.options) on \(target)", a: "cgroup", b: target,
                                  c: p.isV2 ? "cgroup2" : "cgroup", d: p.isV2 ? nil : p.options, flags: flags,
                                  n: InitOp.PathFlags.makeDirectory.rawValue))
            } else {
                ops.append(InitOp(.mount, "bind the container's cgroup \(p.hostPath) on \(target)", a: p.hostPath, b: target,
                                  flags: flags | MountFlag.bind, n: InitOp.PathFlags.makeDirectory.rawValue))
            }
            for link in p.links {
                ops.append(InitOp(.symlink, "symlink \(dest)/\(link) -> \(p.name)", a: p.name, b: dest + "/" + link))
            }
        }
        if flags & MountFlag.rdonly != 0 {
            ops.append(InitOp(.remountBind, "remount \(dest) read-only", b: dest, flags: MountFlag.rdonly))
        }
    }

    /// linux.sysctl, refusing the ones that are not namespaced (they would
    /// change the host), with runc's list of what is.
    mutating func planSysctls(_ sysctls: [String: String]) throws {
        let ipcNames: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                     "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]
        for (key, value) in sysctls.sorted(by: { $0.key < $1.key }) {
            let allowed: Bool
            if ipcNames.contains(key) || key.hasPrefix("fs.mqueue.") { allowed = has("ipc") }
            else if key.hasPrefix("net.") { allowed = has("network") }
            else if key == "kernel.hostname" || key == "kernel.domainname" { allowed = has("uts") }
            else if key.hasPrefix("kernel.") && key != "kernel.ns_last_pid" { allowed = false }
            else { allowed = key == "kernel.ns_last_pid" && has("pid") }
            guard allowed else {
                throw BerthError.invalidArgument("linux.sysctl: \(key) is not namespaced in this container (it would change the host)")
            }
            let path = "/proc/sys/" + key.replacing(".", with: "/")
            ops.append(InitOp(.writeFile, "sysctl \(key)=\(value)", a: path, d: value))
        }
    }

    mutating func planHooks(_ hooks: [RuntimeSpec.Hook]?, name: String) {
        for (i, h) in (hooks ?? []).enumerated() {
            var op = InitOp(.hook, "\(name) hook \(i) (\(h.path))", a: h.path, n: h.timeout ?? 0)
            op.argv = h.args ?? [h.path]
            op.envp = h.env ?? []
            ops.append(op)
        }
    }

    func propagationName(_ flags: UInt) -> String {
        let rec = flags & MountFlag.rec != 0 ? "r" : ""
        if flags & MountFlag.shared != 0 { return rec + "shared" }
        if flags & MountFlag.slave != 0 { return rec + "slave" }
        if flags & MountFlag.unbindable != 0 { return rec + "unbindable" }
        return rec + "private"
    }
}

/// Where the child stops for its parent.
public enum SyncPoint: Int32, Sendable {
    /// The namespaces and mounts exist, pivot_root has not happened: the
    /// parent runs prestart and createRuntime hooks and sends the state.
    case createRuntime = 1
}
