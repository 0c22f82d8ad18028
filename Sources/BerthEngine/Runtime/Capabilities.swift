import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Linux capabilities as docker handles them (moby's `oci/caps`).
enum Capabilities {
    /// docker's default set (moby's `oci/caps/defaults.go`).
    static let dockerDefault = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// Capability names by number (linux/capability.h).
    static let all = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The daemon's bounding set (`CapBnd` of /proc/self/status): what a
    /// privileged container can get. Not every cap: a host (or the
    /// container berth runs in) may lack some, and asking runc for a cap
    /// outside the bounding set fails the create.
    static func bounding() -> [String] {
        guard let status = try? ProcFile.read("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let mask = UInt64(line.dropFirst(7).trimmingWhitespace(newlines: false), radix: 16) else {
            return dockerDefault
        }
        return all.enumerated().compactMap { mask & (1 << UInt64($0.offset)) != 0 ? $0.element : nil }
    }

    /// "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "ALL" stays.
    static func normalize(_ name: String) throws -> String {
        let upper = name.uppercased()
        if upper == "ALL" { return upper }
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        guard all.contains(full) else { throw BerthError.invalidArgument("unknown capability: \"\(full)\"") }
        return full
    }

    /// moby's `caps.TweakCapabilities`: defaults, minus drops, plus adds;
    /// "ALL" in either list means every capability (of the bounding set).
    static func effective(add: [String], drop: [String], privileged: Bool) throws -> [String] {
        let available = bounding()
        if privileged { return available }
        let adds = try add.map(normalize), drops = try drop.map(normalize)
        var result: [String]
        if adds.contains("ALL") {
            result = available.filter { !drops.contains($0) }
        } else {
            result = drops.contains("ALL") ? [] : dockerDefault.filter { !drops.contains($0) }
            for cap in adds where !result.contains(cap) { result.append(cap) }
        }
        return result.filter { available.contains($0) }
    }
}
