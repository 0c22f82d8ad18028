#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem

extension Cgroup {
    /// Applies new limits to the running cgroup (`runc update`). Only the
    /// parts present in `resources` change; devices change only when
    /// `resources.devices` is set (then with the defaults appended again).
    public func update(_ resources: RuntimeSpec.Resources) throws {
        try checkControllers(for: resources)
        var devices: [CgroupDeviceRule]?
        if resources.devices != nil {
            devices = try CgroupDeviceRule.validate(DeviceRules.effective(resources: resources))
        }
        try apply(resources, devices: devices, userDevices: !(resources.devices ?? []).isEmpty)
    }

    func apply(_ r: RuntimeSpec.Resources?, devices: [CgroupDeviceRule]?, userDevices: Bool) throws {
        if let m = r?.memory { try applyMemory(m) }
        if let c = r?.cpu { try applyCPU(c); try applyCpuset(c) }
        if let p = r?.pids, let place = place(v1: "pids", v2: "pids") {
            try write(place, "pids.max", p.limit > 0 ? String(p.limit) : "max", field: "linux.resources.pids.limit")
        }
        if let b = r?.blockIO { try applyBlockIO(b) }
        if let h = r?.hugepageLimits, !h.isEmpty, let place = place(v1: "hugetlb", v2: "hugetlb") {
            for (i, limit) in h.enumerated() {
                let file = "hugetlb.\(limit.pageSize)." + (place.isV2 ? "max" : "limit_in_bytes")
                try write(place, file, String(limit.limit), field: "linux.resources.hugepageLimits[\(i)]")
            }
        }
        if let n = r?.network {
            if let id = n.classID, let place = place(v1: "net_cls", v2: nil) {
                try write(place, "net_cls.classid", String(id), field: "linux.resources.network.classID")
            }
            if let prios = n.priorities, let place = place(v1: "net_prio", v2: nil) {
                for (i, p) in prios.enumerated() {
                    try write(place, "net_prio.ifpriomap", "\(p.name) \(p.priority)", field: "linux.resources.network.priorities[\(i)]")
                }
            }
        }
        if let rdma = r?.rdma, !rdma.isEmpty, let place = place(v1: "rdma", v2: "rdma") {
            for (dev, limit) in rdma.sorted(by: { $0.key < $1.key }) {
                var parts = [dev]
                if let h = limit.hcaHandles { parts.append("hca_handle=\(h)") }
                if let o = limit.hcaObjects { parts.append("hca_object=\(o)") }
                if parts.count > 1 { try write(place, "rdma.max", parts.joined(separator: " "), field: "linux.resources.rdma[\(dev.debugDescription)]") }
            }
        }
        if let u = r?.unified, let d = paths[""] {
            for (key, value) in u.sorted(by: { $0.key < $1.key }) {
                try write(.v2(d), key, value, field: "linux.resources.unified[\(key.debugDescription)]")
            }
        }
        if let devices { try applyDevices(devices, userDevices: userDevices) }
    }

    /// Writes one control file; errors name the config field and the file.
    func write(_ place: CgroupPlace, _ file: String, _ value: String, field: String) throws {
        do { try files.write(place.dir, file, value) } catch let e as SystemError {
            let hint = e.errno == ENOENT ? " (the kernel does not offer \(file) here)" : ""
            throw BerthError(e.code, "\(field): cannot set \(file) to \(value.debugDescription)\(hint)", cause: e)
        }
    }

    // MARK: memory

    private func applyMemory(_ m: RuntimeSpec.Memory) throws {
        guard let place = place(v1: "memory", v2: "memory") else { return }
        let f = "linux.resources.memory"
        if place.isV2 {
            let swap = try CgroupConversions.swapMax(memorySwap: m.swap ?? 0, memory: m.limit ?? 0)
            var swapText = CgroupConversions.v2Limit(swap)
            // Memory and memory+swap equal: no swap at all.
            if swapText == nil && swap == 0 && (m.swap ?? 0) > 0 { swapText = "0" }
            if let s = swapText {
                do { try files.write(place.dir, "memory.swap.max", s) } catch let e as SystemError {
                    // Without swap accounting "no limit"/"no swap" already hold (runc ignores it too).
                    if !(e.errno == ENOENT && (s == "max" || s == "0")) {
                        throw BerthError(e.code, "\(f).swap: cannot set memory.swap.max to \(s)", cause: e)
                    }
                }
            }
            if let v = m.limit.flatMap(CgroupConversions.v2Limit) { try write(place, "memory.max", v, field: "\(f).limit") }
            if let v = m.reservation.flatMap(CgroupConversions.v2Limit) { try write(place, "memory.low", v, field: "\(f).reservation") }
            return
        }
        try applyV1MemoryAndSwap(place.dir, limit: m.limit ?? 0, swap: m.swap ?? 0)
        if let v = m.reservation, v != 0 { try write(place, "memory.soft_limit_in_bytes", String(v), field: "\(f).reservation") }
        if let v = m.kernelTCP, v != 0 { try write(place, "memory.kmem.tcp.limit_in_bytes", String(v), field: "\(f).kernelTCP") }
        if let v = m.swappiness {
            guard v <= 100 else { throw BerthError.invalidArgument("\(f).swappiness: \(v) is not in 0...100") }
            try write(place, "memory.swappiness", String(v), field: "\(f).swappiness")
        }
        if m.disableOOMKiller == true { try write(place, "memory.oom_control", "1", field: "\(f).disableOOMKiller") }
    }

    /// runc's setMemoryAndSwap: the kernel rejects a memory limit above the
    /// memsw limit and the reverse, so the write order depends on the change.
    private func applyV1MemoryAndSwap(_ dir: String, limit: Int64, swap requested: Int64) throws {
        let f = "linux.resources.memory"
        let hasSwapFile = files.exists(dir, "memory.memsw.limit_in_bytes")
        var swap = requested
        if limit == -1 && swap == 0 && hasSwapFile { swap = -1 }
        if swap != 0 && !hasSwapFile {
            if swap == -1 && requested == 0 { swap = 0 } else if swap != -1 {
                throw BerthError.unavailable("\(f).swap: this kernel has no swap accounting "
                    + "(\(dir)/memory.memsw.limit_in_bytes is missing; boot with swapaccount=1)")
            } else { swap = 0 }
        }
        func setLimit() throws { if limit != 0 { try write(.v1(dir), "memory.limit_in_bytes", String(limit), field: "\(f).limit") } }
        func setSwap() throws { if swap != 0 { try write(.v1(dir), "memory.memsw.limit_in_bytes", String(swap), field: "\(f).swap") } }
        if limit != 0 && swap != 0 {
            let current = UInt64(files.readIfPresent(dir, "memory.limit_in_bytes") ?? "") ?? 0
            if swap == -1 || current < UInt64(swap) { try setSwap(); try setLimit(); return }
        }
        try setLimit()
        try setSwap()
    }

    // MARK: cpu

    private func applyCPU(_ c: RuntimeSpec.CPU) throws {
        guard let place = place(v1: "cpu", v2: "cpu") else { return }
        let f = "linux.resources.cpu"
        if place.isV2 {
            if c.realtimeRuntime != nil || c.realtimePeriod != nil {
                throw BerthError.invalidArgument("\(f).realtimeRuntime/realtimePeriod: not supported on cgroup v2")
            }
            if let s = c.shares, s != 0 { try write(place, "cpu.weight", String(CgroupConversions.cpuWeight(fromShares: s)), field: "\(f).shares") }
            let quota = c.quota ?? 0, period = c.period ?? 0
            if quota != 0 || period != 0 {
                var text = quota > 0 ? String(quota) : "max"
                if period != 0 { text += " \(period)" }
                try write(place, "cpu.max", text, field: "\(f).quota")
            }
            if let b = c.burst { try write(place, "cpu.max.burst", String(b), field: "\(f).burst") }
            if let i = c.idle { try write(place, "cpu.idle", String(i), field: "\(f).idle") }
            return
        }
        if let s = c.shares, s != 0 {
            try write(place, "cpu.shares", String(s), field: "\(f).shares")
            // The kernel clamps out-of-range shares silently; say so (as runc does).
            if let got = files.readIfPresent(place.dir, "cpu.shares").flatMap(UInt64.init), got != s {
                throw BerthError.invalidArgument("\(f).shares: \(s) is out of range, the kernel allows \(s > got ? "at most" : "at least") \(got)")
            }
        }
        // runc: a shorter period may be refused until the quota shrinks too; retry after the quota.
        var periodPending = false
        if let p = c.period, p != 0 {
            do { try files.write(place.dir, "cpu.cfs_period_us", String(p)) } catch let e as SystemError {
                guard e.errno == EINVAL, (c.quota ?? 0) != 0 else {
                    throw BerthError(e.code, "\(f).period: cannot set cpu.cfs_period_us to \(p)", cause: e)
                }
                periodPending = true
            }
        }
        if let q = c.quota, q != 0 {
            try write(place, "cpu.cfs_quota_us", String(q), field: "\(f).quota")
            if periodPending, let p = c.period { try write(place, "cpu.cfs_period_us", String(p), field: "\(f).period") }
        }
        if let b = c.burst { try write(place, "cpu.cfs_burst_us", String(b), field: "\(f).burst") }
        if let p = c.realtimePeriod, p != 0 { try write(place, "cpu.rt_period_us", String(p), field: "\(f).realtimePeriod") }
        if let r = c.realtimeRuntime, r != 0 { try write(place, "cpu.rt_runtime_us", String(r), field: "\(f).realtimeRuntime") }
        if let i = c.idle { try write(place, "cpu.idle", String(i), field: "\(f).idle") }
    }

    private func applyCpuset(_ c: RuntimeSpec.CPU) throws {
        guard let place = place(v1: "cpuset", v2: "cpuset") else { return }
        if let cpus = c.cpus, !cpus.isEmpty { try write(place, "cpuset.cpus", cpus, field: "linux.resources.cpu.cpus") }
        if let mems = c.mems, !mems.isEmpty { try write(place, "cpuset.mems", mems, field: "linux.resources.cpu.mems") }
    }

    // MARK: block I/O

    private func applyBlockIO(_ b: RuntimeSpec.BlockIO) throws {
        guard let place = place(v1: "blkio", v2: "io") else { return }
        let f = "linux.resources.blockIO"
        let dir = place.dir
        if place.isV2 {
            let bfq = files.exists(dir, "io.bfq.weight")
            if let w = b.weight, w != 0 {
                // BFQ takes the v1 scale as is; io.weight needs runc's conversion.
                if bfq { try write(place, "io.bfq.weight", String(w), field: "\(f).weight") } else {
                    try write(place, "io.weight", String(CgroupConversions.ioWeight(fromBlkioWeight: w)), field: "\(f).weight")
                }
            }
            for (i, d) in (b.weightDevice ?? []).enumerated() {
                guard let w = d.weight else { continue }
                let value = bfq ? String(w) : String(CgroupConversions.ioWeight(fromBlkioWeight: w))
                try write(place, bfq ? "io.bfq.weight" : "io.weight", "\(d.major):\(d.minor) \(value)", field: "\(f).weightDevice[\(i)]")
            }
            for (list, key, name) in [(b.throttleReadBpsDevice, "rbps", "throttleReadBpsDevice"),
                                      (b.throttleWriteBpsDevice, "wbps", "throttleWriteBpsDevice"),
                                      (b.throttleReadIOPSDevice, "riops", "throttleReadIOPSDevice"),
                                      (b.throttleWriteIOPSDevice, "wiops", "throttleWriteIOPSDevice")] {
                for (i, d) in (list ?? []).enumerated() {
                    try write(place, "io.max", "\(d.major):\(d.minor) \(key)=\(d.rate == 0 ? "max" : String(d.rate))", field: "\(f).\(name)[\(i)]")
                }
            }
            return
        }
        // v1: BFQ's files when the kernel has them, else CFQ's (runc's detectWeightFilenames).
        let bfq = files.exists(dir, "blkio.bfq.weight")
        if let w = b.weight, w != 0 {
            if !bfq && !files.exists(dir, "blkio.weight") {
                throw BerthError.unavailable("\(f).weight: this kernel has no blkio weight (neither blkio.weight nor blkio.bfq.weight in \(dir); no CFQ/BFQ scheduler)")
            }
            try write(place, bfq ? "blkio.bfq.weight" : "blkio.weight", String(w), field: "\(f).weight")
        }
        if let w = b.leafWeight, w != 0 { try write(place, "blkio.leaf_weight", String(w), field: "\(f).leafWeight") }
        for (i, d) in (b.weightDevice ?? []).enumerated() {
            if let w = d.weight { try write(place, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", "\(d.major):\(d.minor) \(w)", field: "\(f).weightDevice[\(i)]") }
            if let w = d.leafWeight { try write(place, "blkio.leaf_weight_device", "\(d.major):\(d.minor) \(w)", field: "\(f).weightDevice[\(i)].leafWeight") }
        }
        for (list, file, name) in [(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device", "throttleReadBpsDevice"),
                                   (b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice"),
                                   (b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice"),
                                   (b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice")] {
            for (i, d) in (list ?? []).enumerated() {
                try write(place, file, "\(d.major):\(d.minor) \(d.rate)", field: "\(f).\(name)[\(i)]")
            }
        }
    }
}
