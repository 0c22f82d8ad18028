import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ContainerService {
    /// Stats from the container's cgroup (v2 unified, or v1 memory,
    /// cpuacct and pids controllers), sampled once a second as dockerd.
    func stats(_ name: String, options: StatsOptions) throws -> AsyncThrowingStream<ContainerStatsResponse, any Error> {
        let record = try lookup(name)
        let id = record.id
        let parent = cgroupParent
        let (stream, continuation) = AsyncThrowingStream<ContainerStatsResponse, any Error>.makeStream()
        let task = Task.detached { [weak self] in
            var previous: ContainerStatsResponse?
            if !options.stream && !options.oneShot {
                previous = CgroupSample.read(id: id, name: record.name, parent: parent, previous: nil)
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
            repeat {
                let running = await self?.isRunning(id) ?? false
                var sample = running ? CgroupSample.read(id: id, name: record.name, parent: parent, previous: previous)
                                     : CgroupSample.empty(id: id, name: record.name)
                if previous == nil { sample.preread = ContainerRecord.zeroTime }
                continuation.yield(sample)
                previous = sample
                if !options.stream || !running { break }
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            } while !Task.isCancelled
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

enum CgroupSample {
    static func empty(id: String, name: String) -> ContainerStatsResponse {
        var r = ContainerStatsResponse()
        r.id = id
        r.name = "/" + name
        r.read = ContainerRecord.zeroTime
        r.preread = ContainerRecord.zeroTime
        r.cpuStats = ContainerCPUStats()
        r.precpuStats = ContainerCPUStats()
        r.memoryStats = ContainerMemoryStats()
        r.pidsStats = ContainerPidsStats()
        r.blkioStats = ContainerBlkioStats()
        r.numProcs = 0
        return r
    }

    static func value(_ path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingWhitespace()
        return trimmed == "max" ? nil : UInt64(trimmed)
    }

    static func keyed(_ path: String) -> [String: UInt64] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let number = UInt64(parts[1]) { result[String(parts[0])] = number }
        }
        return result
    }

    static func systemCPU() -> UInt64 {
        // /proc/stat's first line in clock ticks (USER_HZ = 100) → ns.
        guard let text = try? ProcFile.read("/proc/stat"),
              let line = text.split(separator: "\n").first else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }.reduce(0, +)
        return ticks * 10_000_000
    }

    static func read(id: String, name: String, parent: String, previous: ContainerStatsResponse?) -> ContainerStatsResponse {
        var r = empty(id: id, name: name)
        r.read = Timestamp.now()
        r.preread = previous?.read ?? ContainerRecord.zeroTime
        r.precpuStats = previous?.cpuStats ?? ContainerCPUStats()
        let v2 = "/sys/fs/cgroup\(parent)/\(id)"
        var cpu = ContainerCPUStats()
        var usage = ContainerCPUUsage()
        var memory = ContainerMemoryStats()
        var pids = ContainerPidsStats()
        if FileManager.default.fileExists(atPath: v2 + "/cgroup.controllers") {
            let cpuStat = keyed(v2 + "/cpu.stat")
            usage.totalUsage = (cpuStat["usage_usec"] ?? 0) * 1000
            usage.usageInUsermode = (cpuStat["user_usec"] ?? 0) * 1000
            usage.usageInKernelmode = (cpuStat["system_usec"] ?? 0) * 1000
            memory.usage = value(v2 + "/memory.current")
            memory.limit = value(v2 + "/memory.max")
            memory.stats = keyed(v2 + "/memory.stat")
            pids.current = value(v2 + "/pids.current")
            pids.limit = value(v2 + "/pids.max")
        } else {
            usage.totalUsage = value("/sys/fs/cgroup/cpuacct\(parent)/\(id)/cpuacct.usage")
            let memoryDir = "/sys/fs/cgroup/memory\(parent)/\(id)"
            memory.usage = value(memoryDir + "/memory.usage_in_bytes")
            memory.maxUsage = value(memoryDir + "/memory.max_usage_in_bytes")
            memory.failcnt = value(memoryDir + "/memory.failcnt")
            memory.limit = value(memoryDir + "/memory.limit_in_bytes")
            memory.stats = keyed(memoryDir + "/memory.stat")
            pids.current = value("/sys/fs/cgroup/pids\(parent)/\(id)/pids.current")
            pids.limit = value("/sys/fs/cgroup/pids\(parent)/\(id)/pids.max")
        }
        if memory.limit == nil || memory.limit! > 1 << 62 {
            memory.limit = UInt64(ProcessInfo.processInfo.physicalMemory)
        }
        cpu.cpuUsage = usage
        cpu.systemCpuUsage = systemCPU()
        cpu.onlineCpus = UInt32(ProcessInfo.processInfo.activeProcessorCount)
        r.cpuStats = cpu
        r.memoryStats = memory
        r.pidsStats = pids
        r.numProcs = 0
        return r
    }
}
