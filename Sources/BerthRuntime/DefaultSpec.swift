import BerthOCI

/// The config.json `berth runtime spec` writes: runc spec's, field for field,
/// so a bundle made for one runs unchanged on the other.
public enum DefaultSpec {
    public static let capabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

    public static func make(args: [String] = ["sh"], terminal: Bool = true) -> RuntimeSpec {
        var process = RuntimeSpec.Process(
            terminal: terminal, user: .init(uid: 0, gid: 0), args: args,
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], cwd: "/",
            capabilities: .init(bounding: capabilities, effective: capabilities, permitted: capabilities, ambient: capabilities),
            rlimits: [.init(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)], noNewPrivileges: true)
        process.consoleSize = nil
        let mounts: [RuntimeSpec.Mount] = [
            .init(destination: "/proc", type: "proc", source: "proc"),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        var linux = RuntimeSpec.Linux(
            namespaces: ["pid", "network", "ipc", "uts", "mount"].map { .init(type: $0) },
            resources: .init(devices: [.init(allow: false, access: "rwm")]),
            maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                          "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        linux.uidMappings = nil
        return RuntimeSpec(ociVersion: "1.2.0", process: process, root: .init(path: "rootfs", readonly: true), hostname: "berth",
                           mounts: mounts, linux: linux)
    }
}
