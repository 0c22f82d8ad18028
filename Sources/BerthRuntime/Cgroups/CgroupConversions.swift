import BerthSystem

/// Value conversions between the OCI spec's (cgroup v1 shaped) resources and
/// cgroup v2 files, the same arithmetic as runc's libcontainer/cgroups/utils.go
/// so a container gets the same limits under berth as under runc.
enum CgroupConversions {
    /// cpu.shares [2, 262144] → cpu.weight [1, 10000], linearly
    /// (runc's ConvertCPUSharesToCgroupV2Value up to 1.2; 0 means unset).
    /// Shares are clamped to the kernel's v1 range first: runc's unsigned
    /// `shares-2` wraps for shares of 1.
    static func cpuWeight(fromShares shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        let s = min(max(shares, 2), 262_144)
        return 1 + ((s - 2) * 9999) / 262_142
    }

    /// blkio.weight [10, 1000] → io.weight [1, 10000]
    /// (runc's ConvertBlkIOToIOWeightValue; 0 means unset).
    static func ioWeight(fromBlkioWeight weight: UInt16) -> UInt64 {
        if weight == 0 { return 0 }
        let w = UInt64(min(max(weight, 10), 1000))
        return 1 + (w - 10) * 9999 / 990
    }

    /// The OCI `swap` is memory+swap (v1's memsw); cgroup v2's
    /// memory.swap.max is swap alone (runc's ConvertMemorySwapToCgroupV2Value).
    /// -1 is unlimited, 0 is unset.
    static func swapMax(memorySwap: Int64, memory: Int64) throws -> Int64 {
        // Unlimited memory with swap unset means "both unlimited" (v1 compatibility).
        if memory == -1 && memorySwap == 0 { return -1 }
        if memorySwap == -1 || memorySwap == 0 { return memorySwap }
        if memory == 0 || memory == -1 {
            throw BerthError.invalidArgument("linux.resources.memory.swap: a swap limit needs a memory limit")
        }
        if memory < 0 { throw BerthError.invalidArgument("linux.resources.memory.limit: invalid value \(memory)") }
        if memorySwap < memory {
            throw BerthError.invalidArgument(
                "linux.resources.memory.swap: memory+swap (\(memorySwap)) must be at least the memory limit (\(memory))")
        }
        return memorySwap - memory
    }

    /// A v2 limit file's text: -1 → "max", 0 → nil (leave the file alone).
    static func v2Limit(_ value: Int64) -> String? {
        if value == 0 { return nil }
        return value < 0 ? "max" : String(value)
    }
}
