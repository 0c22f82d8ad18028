/// Usage figures of a cgroup, for `docker stats`. Fields the host does not
/// account stay 0 (or nil for limits). Limits of nil mean unlimited.
public struct CgroupStats: Sendable, Equatable, Codable {
    /// Memory in use, bytes (v1 memory.usage_in_bytes, v2 memory.current).
    public var memoryUsage: UInt64 = 0
    /// The memory limit, bytes; nil when unlimited.
    public var memoryLimit: UInt64?
    /// Peak usage, bytes (v1 memory.max_usage_in_bytes, v2 memory.peak where present).
    public var memoryMaxUsage: UInt64 = 0
    /// Page cache part of the usage (memory.stat cache / file).
    public var memoryCache: UInt64 = 0
    /// CPU time of all processes, nanoseconds; and split user/system.
    public var cpuUsageNanoseconds: UInt64 = 0
    public var cpuUserNanoseconds: UInt64 = 0
    public var cpuSystemNanoseconds: UInt64 = 0
    /// Per-CPU usage, nanoseconds (v1 cpuacct.usage_percpu; empty on v2).
    public var perCPUUsageNanoseconds: [UInt64] = []
    /// CFS bandwidth: periods elapsed, periods throttled, time throttled (ns).
    public var cpuPeriods: UInt64 = 0
    public var cpuThrottledPeriods: UInt64 = 0
    public var cpuThrottledNanoseconds: UInt64 = 0
    /// Processes and threads, and the limit (nil when unlimited).
    public var pidsCurrent: UInt64 = 0
    public var pidsLimit: UInt64?
    /// Bytes read from and written to block devices.
    public var blkioReadBytes: UInt64 = 0
    public var blkioWriteBytes: UInt64 = 0

    public init() {}
}
