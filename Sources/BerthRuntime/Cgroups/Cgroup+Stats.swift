import BerthSystem

extension Cgroup {
    /// Current usage and limits, from whichever hierarchy holds each controller.
    public func stats() throws -> CgroupStats {
        var s = CgroupStats()
        if let p = place(v1: "memory", v2: "memory") {
            let d = p.dir
            if p.isV2 {
                s.memoryUsage = number(d, "memory.current") ?? 0
                s.memoryLimit = number(d, "memory.max")
                s.memoryMaxUsage = number(d, "memory.peak") ?? 0
                s.memoryCache = keyed(d, "memory.stat")["file"] ?? 0
            } else {
                s.memoryUsage = number(d, "memory.usage_in_bytes") ?? 0
                // v1 shows "unlimited" as the largest page-aligned value.
                s.memoryLimit = number(d, "memory.limit_in_bytes").flatMap { $0 >= 0x7FFF_FFFF_FFFF_F000 ? nil : $0 }
                s.memoryMaxUsage = number(d, "memory.max_usage_in_bytes") ?? 0
                let stat = keyed(d, "memory.stat")
                s.memoryCache = stat["total_cache"] ?? stat["cache"] ?? 0
            }
        }
        if let p = place(v1: "cpuacct", v2: "cpu") ?? (paths[""].map { .v2($0) }) {
            let d = p.dir
            if p.isV2 {
                // cpu.stat's usage fields exist on every cgroup2 directory, controller or not.
                let stat = keyed(d, "cpu.stat")
                s.cpuUsageNanoseconds = (stat["usage_usec"] ?? 0) * 1000
                s.cpuUserNanoseconds = (stat["user_usec"] ?? 0) * 1000
                s.cpuSystemNanoseconds = (stat["system_usec"] ?? 0) * 1000
            } else {
                s.cpuUsageNanoseconds = number(d, "cpuacct.usage") ?? 0
                s.perCPUUsageNanoseconds = (files.readIfPresent(d, "cpuacct.usage_percpu") ?? "")
                    .split(separator: " ").compactMap { UInt64($0) }
                // cpuacct.stat counts USER_HZ ticks (100 per second on Linux).
                let stat = keyed(d, "cpuacct.stat")
                s.cpuUserNanoseconds = (stat["user"] ?? 0) * 10_000_000
                s.cpuSystemNanoseconds = (stat["system"] ?? 0) * 10_000_000
            }
        }
        if let p = place(v1: "cpu", v2: "cpu") {
            let stat = keyed(p.dir, "cpu.stat")
            s.cpuPeriods = stat["nr_periods"] ?? 0
            s.cpuThrottledPeriods = stat["nr_throttled"] ?? 0
            s.cpuThrottledNanoseconds = p.isV2 ? (stat["throttled_usec"] ?? 0) * 1000 : stat["throttled_time"] ?? 0
        }
        if let p = place(v1: "pids", v2: "pids") {
            s.pidsCurrent = number(p.dir, "pids.current") ?? 0
            s.pidsLimit = number(p.dir, "pids.max")
        }
        if let p = place(v1: "blkio", v2: "io") {
            if p.isV2 {
                // io.stat: "8:0 rbytes=N wbytes=N rios=N ..."
                for line in (files.readIfPresent(p.dir, "io.stat") ?? "").split(separator: "\n") {
                    for field in line.split(separator: " ") {
                        let kv = field.split(separator: "=")
                        guard kv.count == 2, let v = UInt64(kv[1]) else { continue }
                        if kv[0] == "rbytes" { s.blkioReadBytes += v } else if kv[0] == "wbytes" { s.blkioWriteBytes += v }
                    }
                }
            } else {
                // "8:0 Read N" lines; the throttle files count every I/O, whatever the scheduler.
                let text = files.readIfPresent(p.dir, "blkio.throttle.io_service_bytes_recursive")
                    ?? files.readIfPresent(p.dir, "blkio.throttle.io_service_bytes") ?? ""
                for line in text.split(separator: "\n") {
                    let f = line.split(separator: " ")
                    guard f.count == 3, let v = UInt64(f[2]) else { continue }
                    if f[1] == "Read" { s.blkioReadBytes += v } else if f[1] == "Write" { s.blkioWriteBytes += v }
                }
            }
        }
        return s
    }

    /// A single-number file; nil when absent or "max".
    private func number(_ dir: String, _ file: String) -> UInt64? {
        files.readIfPresent(dir, file).flatMap { UInt64($0) }
    }

    /// A "key value" per line file (memory.stat, cpu.stat).
    private func keyed(_ dir: String, _ file: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in (files.readIfPresent(dir, file) ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let v = UInt64(f[1]) { out[String(f[0])] = v }
        }
        return out
    }
}
