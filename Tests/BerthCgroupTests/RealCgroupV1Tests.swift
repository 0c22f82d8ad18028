import Foundation
import XCTest
@testable import BerthRuntime
import BerthOCI

/// cgroup v1 (and the hybrid layout's tracking cgroup2 directory) on the
/// real kernel, with real processes. Root only; skipped on v2-only hosts.
final class RealCgroupV1Tests: XCTestCase {
    var cgroups: [Cgroup] = []
    var processes: [TestProcess] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "creating cgroups needs root")
        let host = try CgroupHost.current()
        try XCTSkipIf(host.layout == .unified, "this host has no cgroup v1 controllers")
        for c in ["memory", "cpu", "cpuacct", "pids", "freezer"] {
            try XCTSkipUnless(host.v1Mount(c) != nil, "cgroup v1 controller \(c) is not mounted")
        }
    }

    override func tearDown() {
        for p in processes { p.kill() }
        for cg in cgroups {
            try? cg.killAll(signal: SIGKILL)
            _ = eventually { ((try? cg.processes()) ?? []).isEmpty }
            try? cg.destroy()
        }
    }

    func make(_ name: String, _ resources: RuntimeSpec.Resources?) throws -> Cgroup {
        let id = "berth-test-\(getpid())-\(name)"
        let cg = try Cgroup.create(cgroupsPath: "/" + id, containerID: id, resources: resources)
        cgroups.append(cg)
        return cg
    }

    func testLimitsFreezeStatsKillAndDestroy() throws {
        let cg = try make("limits", .init(memory: .init(limit: 64 << 20, reservation: 32 << 20),
                                          cpu: .init(shares: 512, quota: 20_000, period: 100_000),
                                          pids: .init(limit: 5)))
        XCTAssertEqual(Cgroup.layout, try CgroupHost.current().layout)
        let mem = try XCTUnwrap(cg.paths["memory"])
        XCTAssertEqual(readTrimmed(mem + "/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(readTrimmed(mem + "/memory.soft_limit_in_bytes"), "33554432")
        XCTAssertEqual(readTrimmed(cg.paths["cpu"]! + "/cpu.shares"), "512")
        XCTAssertEqual(readTrimmed(cg.paths["cpu"]! + "/cpu.cfs_quota_us"), "20000")
        XCTAssertEqual(readTrimmed(cg.paths["pids"]! + "/pids.max"), "5")
        // Default device rules: deny all, then the allow-list.
        let devices = readTrimmed(cg.paths["devices"]! + "/devices.list")
        XCTAssertTrue(devices.contains("c 1:3 rwm") && devices.contains("c 136:* rwm") && !devices.contains("a *:* rwm"), devices)

        let counter = NSTemporaryDirectory() + "berth-counter-\(getpid())"
        defer { unlink(counter) }
        // Mostly arithmetic, a write now and then: CPU-bound enough to reach
        // a 20 % quota even when other work shares the machine.
        let p = try TestProcess.shell("i=0; while :; do i=$((i+1)); [ $((i % 50)) -eq 0 ] && echo $i > \(counter); done")
        processes.append(p)
        try cg.add(pid: p.pid)
        XCTAssertEqual(try cg.processes(), [p.pid])
        let own = readTrimmed("/proc/\(p.pid)/cgroup")
        XCTAssertTrue(own.contains(":memory:/berth-test-\(getpid())-limits"), own)
        if Cgroup.layout == .hybrid {
            // The hybrid layout's cgroup2 directory tracks the process too.
            XCTAssertTrue(own.contains("0::/berth-test-\(getpid())-limits"), own)
            XCTAssertEqual(readTrimmed(cg.paths[""]! + "/cgroup.procs"), String(p.pid))
        }
        p.go()
        XCTAssertTrue(eventually { Int(readTrimmed(counter)) ?? 0 > 100 }, "the loop runs")
        usleep(400_000)
        // On a loaded machine the loop may not reach its quota at once: wait
        // (up to a few seconds) for the first throttled period.
        _ = eventually { ((try? cg.stats())?.cpuThrottledPeriods ?? 0) > 0 }

        let stats = try cg.stats()
        XCTAssertGreaterThan(stats.memoryUsage, 0)
        XCTAssertEqual(stats.memoryLimit, 64 << 20)
        XCTAssertGreaterThan(stats.cpuUsageNanoseconds, 10_000_000, "a busy loop for 0.4 s")
        XCTAssertFalse(stats.perCPUUsageNanoseconds.isEmpty)
        XCTAssertGreaterThan(stats.cpuPeriods, 0)
        XCTAssertGreaterThan(stats.cpuThrottledPeriods, 0, "20% quota throttles a busy loop")
        XCTAssertGreaterThanOrEqual(stats.pidsCurrent, 1)
        XCTAssertEqual(stats.pidsLimit, 5)

        // Frozen: the counter stops; thawed: it moves again.
        try cg.freeze()
        XCTAssertTrue(cg.isFrozen)
        XCTAssertEqual(readTrimmed(cg.paths["freezer"]! + "/freezer.state"), "FROZEN")
        let frozenAt = readTrimmed(counter)
        usleep(300_000)
        XCTAssertEqual(readTrimmed(counter), frozenAt, "no progress while frozen")
        try cg.thaw()
        XCTAssertFalse(cg.isFrozen)
        XCTAssertTrue(eventually { readTrimmed(counter) != frozenAt }, "progress after thaw")

        // A frozen cgroup can still be killed.
        try cg.freeze()
        try cg.killAll(signal: SIGKILL)
        XCTAssertTrue(p.wait(seconds: 5), "killAll(SIGKILL) ends the process")
        if !p.process.isRunning { XCTAssertEqual(p.process.terminationReason, .uncaughtSignal) }
        XCTAssertTrue(eventually { ((try? cg.processes()) ?? [1]).isEmpty })
        try cg.destroy()
        for dir in Set(cg.paths.values) { XCTAssertFalse(FileManager.default.fileExists(atPath: dir), dir) }
    }

    func testPidsLimitStopsForks() throws {
        let cg = try make("pids", .init(pids: .init(limit: 5)))
        let p = try TestProcess.shell("for i in $(seq 20); do sleep 5 & done; echo spawned")
        processes.append(p)
        try cg.add(pid: p.pid)
        p.go()
        XCTAssertTrue(p.wait(seconds: 10))
        let errors = p.errors()
        XCTAssertTrue(errors.lowercased().contains("fork"), "forks beyond pids.max fail: \(errors)")
        XCTAssertLessThanOrEqual(try cg.processes().count, 5)
        XCTAssertLessThanOrEqual(try cg.stats().pidsCurrent, 5)
        try cg.killAll(signal: SIGKILL)
        XCTAssertTrue(eventually { ((try? cg.processes()) ?? [1]).isEmpty })
    }

    func testDestroyRefusesWhileProcessesRemain() throws {
        let cg = try make("busy", nil)
        let p = try TestProcess("/bin/sleep", ["30"])
        processes.append(p)
        try cg.add(pid: p.pid)
        XCTAssertThrowsError(try cg.destroy()) { XCTAssertTrue("\($0)".contains("still has processes: \(p.pid)"), "\($0)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: cg.paths["memory"]!))
        try cg.killAll(signal: SIGTERM)
        XCTAssertTrue(p.wait(seconds: 5))
        XCTAssertTrue(eventually { ((try? cg.processes()) ?? [1]).isEmpty })
        try cg.destroy()
        XCTAssertThrowsError(try Cgroup.load(cgroupsPath: "/berth-test-\(getpid())-busy", containerID: "x"))
    }

    /// memsw is written before or after the memory limit depending on the
    /// change, or the kernel refuses one of them (runc's setMemoryAndSwap).
    func testSwapLimitGrowsAndShrinks() throws {
        let host = try CgroupHost.current()
        let memRoot = host.v1Mount("memory")!.mountPoint
        try XCTSkipUnless(FileManager.default.fileExists(atPath: memRoot + "/memory.memsw.limit_in_bytes"), "no swap accounting")
        let cg = try make("swap", .init(memory: .init(limit: 64 << 20, swap: 128 << 20)))
        let dir = cg.paths["memory"]!
        XCTAssertEqual(readTrimmed(dir + "/memory.memsw.limit_in_bytes"), "134217728")
        try cg.update(.init(memory: .init(limit: 512 << 20, swap: 1024 << 20)))
        XCTAssertEqual(readTrimmed(dir + "/memory.limit_in_bytes"), "536870912")
        XCTAssertEqual(readTrimmed(dir + "/memory.memsw.limit_in_bytes"), "1073741824")
        try cg.update(.init(memory: .init(limit: 32 << 20, swap: 48 << 20)))
        XCTAssertEqual(readTrimmed(dir + "/memory.limit_in_bytes"), "33554432")
        XCTAssertEqual(readTrimmed(dir + "/memory.memsw.limit_in_bytes"), "50331648")
        XCTAssertThrowsError(try cg.update(.init(memory: .init(limit: 64 << 20, swap: 32 << 20)))) {
            XCTAssertTrue("\($0)".contains("linux.resources.memory"), "\($0)")
        }
    }

    /// No cgroupsPath: `<own cgroup>/<id>` in every hierarchy, as runc.
    func testAbsentCgroupsPathIsUnderTheRuntimesOwnCgroup() throws {
        let id = "berth-test-\(getpid())-rel"
        let cg = try Cgroup.create(cgroupsPath: nil, containerID: id, resources: .init(cpu: .init(cpus: "0")))
        cgroups.append(cg)
        let own = readTrimmed("/proc/self/cgroup").split(separator: "\n")
            .first { $0.split(separator: ":")[1] == "memory" }!.split(separator: ":")[2]
        let mount = try CgroupHost.current().v1Mount("memory")!.mountPoint
        XCTAssertEqual(cg.paths["memory"], CgroupInnerPath.clean(mount + "/" + own + "/" + id))
        XCTAssertEqual(readTrimmed(cg.paths["cpuset"]! + "/cpuset.cpus"), "0")
        XCTAssertEqual(try Cgroup.load(cgroupsPath: nil, containerID: id).paths, cg.paths)
        XCTAssertEqual(try Cgroup.load(paths: cg.paths).paths, cg.paths)
    }

    /// v1 blkio weight goes to BFQ's file where the kernel has it (as here),
    /// else CFQ's, else a clear error and nothing left behind.
    func testBlkioWeight() throws {
        let host = try CgroupHost.current()
        try XCTSkipIf(host.v1Mount("blkio") == nil, "no blkio hierarchy")
        let id = "berth-test-\(getpid())-blkio"
        let create = { try Cgroup.create(cgroupsPath: "/" + id, containerID: id, resources: .init(blockIO: .init(weight: 300))) }
        let probe = try make("blkio-probe", nil)
        let dir = probe.paths["blkio"]!
        let file = ["blkio.bfq.weight", "blkio.weight"].first { FileManager.default.fileExists(atPath: dir + "/" + $0) }
        guard let file else {
            XCTAssertThrowsError(try create()) {
                XCTAssertTrue("\($0)".contains("linux.resources.blockIO.weight: this kernel has no blkio weight"), "\($0)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: host.v1Mount("memory")!.mountPoint + "/" + id), "nothing left behind")
            return
        }
        let cg = try create()
        cgroups.append(cg)
        XCTAssertTrue(readTrimmed(cg.paths["blkio"]! + "/" + file).hasSuffix("300"), file)
        XCTAssertEqual(try cg.stats().blkioWriteBytes, 0)
    }
}
