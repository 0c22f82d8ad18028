#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem

/// Linux capability names and numbers (linux/capability.h), and what this
/// process may hand out.
public enum CapabilityNames {
    /// Index = capability number.
    static let table: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// "CAP_NET_ADMIN" → 12. Case-insensitive, and the "CAP_" prefix may be
    /// left out, as Docker's --cap-add allows; an OCI config always has it.
    public static func number(_ name: String) throws -> Int32 {
        var upper = name.uppercased()
        if !upper.hasPrefix("CAP_") { upper = "CAP_" + upper }
        guard let i = table.firstIndex(of: upper) else {
            throw BerthError.invalidArgument("unknown capability \(name.debugDescription)")
        }
        return Int32(i)
    }

    /// 12 → "CAP_NET_ADMIN"; a number newer than this table → "CAP_41".
    public static func name(_ number: Int32) -> String {
        number >= 0 && Int(number) < table.count ? table[Int(number)] : "CAP_\(number)"
    }

    /// The highest capability the running kernel knows
    /// (/proc/sys/kernel/cap_last_cap), else the highest in the table.
    public static var lastCap: Int32 {
        CgroupFiles().readIfPresent("/proc/sys/kernel", "cap_last_cap").flatMap { Int32($0) } ?? Int32(table.count - 1)
    }

    /// The capabilities this process may still grant: its bounding set
    /// (CapBnd in /proc/self/status). A "privileged" container gets these,
    /// not every capability: a runtime inside a container often lacks some
    /// (this machine lacks CAP_SYS_RESOURCE), and asking for one it lacks fails.
    public static func bounding() -> [Int32] {
        guard let status = try? CgroupFiles().read("/proc/self", "status") else { return Array(0...lastCap) }
        return parseCapabilityMask(status: status, field: "CapBnd")
    }

    /// The capability numbers set in a /proc/<pid>/status mask line.
    static func parseCapabilityMask(status: String, field: String) -> [Int32] {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let hex = line.dropFirst(field.count + 1).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            guard let mask = UInt64(hex, radix: 16) else { return [] }
            return (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map(Int32.init)
        }
        return []
    }
}

/// Resource limit names (RLIMIT_*) and numbers for `process.rlimits`.
public enum RlimitNames {
    static let table: [String] = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
        "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]

    /// "RLIMIT_NOFILE" → 7; unknown → `unknown rlimit "RLIMIT_NOPE"`.
    public static func number(_ name: String) throws -> Int32 {
        guard let i = table.firstIndex(of: name) else {
            throw BerthError.invalidArgument("unknown rlimit \(name.debugDescription)")
        }
        return Int32(i)
    }

    /// 7 → "RLIMIT_NOFILE".
    public static func name(_ number: Int32) -> String {
        number >= 0 && Int(number) < table.count ? table[Int(number)] : "RLIMIT_\(number)"
    }
}
