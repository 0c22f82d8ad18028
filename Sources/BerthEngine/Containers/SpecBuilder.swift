import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Maps a container's Config and HostConfig onto an OCI runtime spec, as
/// moby's `daemon/oci_linux.go` does (default mounts, masked and read-only
/// paths, capabilities, namespaces, resources, rlimits).
struct SpecBuilder {
    var record: ContainerRecord
    /// The mounted rootfs (users are looked up in its /etc/passwd).
    var rootfs: String
    /// Container files bind-mounted over /etc (hostname, hosts, resolv.conf).
    var etcFiles: [(destination: String, source: String)]
    var cgroupsPath: String
    /// The network namespace file to join (BerthNetwork made it); nil: a new one.
    var networkNamespacePath: String? = nil
    /// Volumes, binds and --mount tmpfs (VolumeService), after docker's defaults.
    var volumeMounts: [RuntimeSpec.Mount] = []

    /// moby's `oci.DefaultSpec` masked paths.
    static let maskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    func build() throws -> RuntimeSpec {
        let host = record.hostConfig
        let privileged = host.privileged ?? false
        var spec = RuntimeSpec()
        spec.root = RuntimeSpec.Root(path: rootfs, readonly: host.readonlyRootfs ?? false)
        spec.hostname = record.config.hostname ?? record.shortID
        if let domain = record.config.domainname, !domain.isEmpty { spec.domainname = domain }

        var process = RuntimeSpec.Process(terminal: record.tty, args: [record.path] + record.args,
                                          env: record.config.env ?? [], cwd: record.config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        process.user = try UserLookup(rootfs: rootfs).resolve(record.config.user ?? "", groupAdd: host.groupAdd ?? [])
        let caps = try Capabilities.effective(add: host.capAdd ?? [], drop: host.capDrop ?? [], privileged: privileged)
        process.capabilities = RuntimeSpec.Capabilities(bounding: caps, effective: caps, inheritable: nil, permitted: caps, ambient: nil)
        process.rlimits = try (host.ulimits ?? []).map { limit in
            guard let name = limit.name else { throw BerthError.invalidArgument("ulimit without a name") }
            return RuntimeSpec.Rlimit(type: "RLIMIT_" + name.uppercased(), hard: UInt64(limit.hard ?? 0), soft: UInt64(limit.soft ?? 0))
        }
        process.noNewPrivileges = (host.securityOpt ?? []).contains { $0 == "no-new-privileges" || $0 == "no-new-privileges:true" || $0 == "no-new-privileges=true" }
        if let adj = host.oomScoreAdj, adj != 0 { process.oomScoreAdj = adj }
        if record.tty, let size = host.consoleSize, size.count == 2, size[0] > 0 {
            process.consoleSize = RuntimeSpec.ConsoleSize(height: UInt32(size[0]), width: UInt32(size[1]))
        }
        spec.process = process
        spec.mounts = mounts(privileged: privileged)

        var linux = RuntimeSpec.Linux()
        linux.namespaces = namespaces()
        linux.cgroupsPath = cgroupsPath
        linux.resources = try resources(privileged: privileged)
        if !privileged {
            linux.maskedPaths = host.maskedPaths ?? Self.maskedPaths
            linux.readonlyPaths = host.readonlyPaths ?? Self.readonlyPaths
        }
        if let sysctls = host.sysctls, !sysctls.isEmpty { linux.sysctl = sysctls }
        linux.seccomp = try SeccompProfile.forContainer(securityOpt: host.securityOpt ?? [], caps: caps, privileged: privileged)
        spec.linux = linux
        // --init: berth's runtime keeps a small init as pid 1 (see InitPlan.initProcess).
        if host.`init` == true { spec.annotations = ["berth.init": "true"] }
        return spec
    }

    func namespaces() -> [RuntimeSpec.Namespace] {
        let host = record.hostConfig
        var result = [RuntimeSpec.Namespace(type: "mount")]
        if host.pidMode != "host" { result.append(.init(type: "pid")) }
        if host.ipcMode != "host" { result.append(.init(type: "ipc")) }
        if host.utsMode != "host" { result.append(.init(type: "uts")) }
        // The namespace BerthNetwork plumbed (bridge networks, container:),
        // else a new one with only loopback ("none"), or the host's ("host").
        if host.networkMode != "host" { result.append(.init(type: "network", path: networkNamespacePath)) }
        if host.cgroupnsMode == "private" { result.append(.init(type: "cgroup")) }
        return result
    }

    /// moby's default mounts, then the /etc files, then tmpfs mounts.
    func mounts(privileged: Bool) -> [RuntimeSpec.Mount] {
        let shmSize = record.hostConfig.shmSize.flatMap { $0 > 0 ? $0 : nil } ?? 64 << 20
        var result: [RuntimeSpec.Mount] = [
            .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"]),
            .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", privileged ? "rw" : "ro"]),
            .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=\(shmSize)"]),
        ]
        for file in etcFiles {
            result.append(.init(destination: file.destination, type: "bind", source: file.source, options: ["rbind", "rprivate"]))
        }
        for (destination, options) in (record.hostConfig.tmpfs ?? [:]).sorted(by: { $0.key < $1.key }) {
            var opts = ["nosuid", "nodev", "noexec"]
            if !options.isEmpty { opts += options.split(separator: ",").map(String.init) }
            result.append(.init(destination: destination, type: "tmpfs", source: "tmpfs", options: opts))
        }
        return result + volumeMounts
    }

    func resources(privileged: Bool) throws -> RuntimeSpec.Resources {
        let host = record.hostConfig
        var resources = RuntimeSpec.Resources()
        if !privileged {
            // Deny all, then moby's default allow list (oci/devices_linux.go).
            let allowed: [(String, Int64?, Int64?, String)] = [
                ("c", nil, nil, "m"), ("b", nil, nil, "m"),
                ("c", 1, 3, "rwm"), ("c", 1, 5, "rwm"), ("c", 1, 7, "rwm"), ("c", 1, 8, "rwm"), ("c", 1, 9, "rwm"),
                ("c", 5, 0, "rwm"), ("c", 5, 1, "rwm"), ("c", 5, 2, "rwm"), ("c", 136, nil, "rwm"), ("c", 10, 200, "rwm"),
            ]
            resources.devices = [RuntimeSpec.DeviceRule(allow: false, access: "rwm")]
                + allowed.map { RuntimeSpec.DeviceRule(allow: true, type: $0.0, major: $0.1, minor: $0.2, access: $0.3) }
        }
        if let memory = host.memory, memory > 0 {
            guard memory >= 6 << 20 else { throw BerthError.invalidArgument("Minimum memory limit allowed is 6MB") }
            resources.memory = RuntimeSpec.Memory(limit: memory, reservation: host.memoryReservation.flatMap { $0 > 0 ? $0 : nil },
                                                  swap: host.memorySwap.flatMap { $0 != 0 ? $0 : nil })
        }
        var cpu = RuntimeSpec.CPU()
        var hasCPU = false
        if let shares = host.cpuShares, shares > 0 { cpu.shares = UInt64(shares); hasCPU = true }
        if let nano = host.nanoCpus, nano > 0 {
            cpu.period = 100_000
            cpu.quota = nano * 100_000 / 1_000_000_000
            hasCPU = true
        }
        if let quota = host.cpuQuota, quota > 0 { cpu.quota = quota; hasCPU = true }
        if let period = host.cpuPeriod, period > 0 { cpu.period = UInt64(period); hasCPU = true }
        if let cpus = host.cpusetCpus, !cpus.isEmpty { cpu.cpus = cpus; hasCPU = true }
        if let mems = host.cpusetMems, !mems.isEmpty { cpu.mems = mems; hasCPU = true }
        if hasCPU { resources.cpu = cpu }
        if let pids = host.pidsLimit, pids > 0 { resources.pids = RuntimeSpec.Pids(limit: pids) }
        if let weight = host.blkioWeight, weight > 0 { resources.blockIO = RuntimeSpec.BlockIO(weight: UInt16(weight)) }
        return resources
    }
}

/// Resolves docker's `--user` ("name", "uid", "uid:gid", "name:group") in
/// the container's /etc/passwd and /etc/group, as runc's `user.GetExecUser`.
struct UserLookup {
    var rootfs: String

    func resolve(_ spec: String, groupAdd: [String]) throws -> RuntimeSpec.User {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let userPart = parts.first ?? ""
        let passwd = table("/etc/passwd")
        var uid: UInt32 = 0, gid: UInt32 = 0
        if userPart.isEmpty {
            uid = 0
            gid = passwd.first { $0[2] == "0" }.flatMap { UInt32($0[3]) } ?? 0
        } else if let number = UInt32(userPart) {
            uid = number
            gid = passwd.first { $0[2] == userPart }.flatMap { UInt32($0[3]) } ?? 0
        } else if let entry = passwd.first(where: { $0[0] == userPart }), let u = UInt32(entry[2]), let g = UInt32(entry[3]) {
            uid = u
            gid = g
        } else {
            throw BerthError.invalidArgument("unable to find user \(userPart): no matching entries in passwd file")
        }
        if parts.count == 2 {
            gid = try group(parts[1])
        }
        var user = RuntimeSpec.User(uid: uid, gid: gid)
        let additional = try groupAdd.map(group)
        if !additional.isEmpty { user.additionalGids = additional }
        return user
    }

    func group(_ name: String) throws -> UInt32 {
        if let number = UInt32(name) { return number }
        guard let entry = table("/etc/group").first(where: { $0[0] == name }), let gid = UInt32(entry[2]) else {
            throw BerthError.invalidArgument("unable to find group \(name): no matching entries in group file")
        }
        return gid
    }

    /// Colon-separated rows of a file inside the rootfs. The file is opened
    /// with O_NOFOLLOW so a symlinked /etc/passwd cannot point outside.
    func table(_ path: String) -> [[String]] {
        let fd = open(rootfs + path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        let text = String(decoding: Spawn.readAll(fd), as: UTF8.self)
        close(fd)
        return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count >= 4 }
    }
}
