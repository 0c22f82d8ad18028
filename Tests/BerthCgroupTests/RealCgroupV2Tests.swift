import Foundation
import XCTest
@testable import BerthRuntime
import BerthOCI
import BerthSystem

/// cgroup v2 code paths on the real kernel: the cgroup2 hierarchy of this
/// host (the hybrid layout's, which has no controllers, or a v2-only host's)
/// driven as a unified host — directories, cgroup.procs, cgroup.freeze,
/// cgroup.kill and the eBPF device filter need no controller. Root only.
final class RealCgroupV2Tests: XCTestCase {
    var host: CgroupHost!
    var cgroups: [Cgroup] = []
    var processes: [TestProcess] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "creating cgroups needs root")
        var h = try CgroupHost.current()
        h.mounts = h.mounts.filter(\.isV2)
        try XCTSkipIf(h.mounts.isEmpty, "no cgroup2 hierarchy is mounted")
        host = h
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
        do {
            let cg = try Cgroup.create(host: host, inner: .absolute("/berth-test-\(getpid())-\(name)"), resources: resources)
            cgroups.append(cg)
            return cg
        } catch let e as BerthError where "\(e)".contains("bpf(") {
            throw XCTSkip("this kernel or sandbox refuses cgroup device programs: \(e)")
        }
    }

    /// Opens /dev/kmsg (c 1:11, outside the defaults) and writes /dev/null.
    func probeDevices(in cg: Cgroup) throws -> String {
        let p = try TestProcess.shell("(: < /dev/kmsg) 2>/dev/null && echo kmsg=open || echo kmsg=denied; "
                                      + "(echo x > /dev/null) 2>/dev/null && echo null=ok || echo null=denied")
        processes.append(p)
        try cg.add(pid: p.pid)
        p.go()
        XCTAssertTrue(p.wait(seconds: 10))
        return p.output()
    }

    func testDeviceFilterEnforcesTheRules() throws {
        let defaults = try make("dev-default", .init(devices: [.init(allow: false, access: "rwm")]))
        XCTAssertEqual(try DeviceFilter.attachedPrograms(defaults.paths[""]!).count, 1)
        XCTAssertEqual(try probeDevices(in: defaults), "kmsg=denied\nnull=ok\n")

        let allowed = try make("dev-kmsg", .init(devices: [.init(allow: false, access: "rwm"),
                                                           .init(allow: true, type: "c", major: 1, minor: 11, access: "r")]))
        XCTAssertEqual(try probeDevices(in: allowed), "kmsg=open\nnull=ok\n")

        // update replaces the filter: one program attached, the new rules in force.
        try defaults.update(.init(devices: [.init(allow: true, type: "a", access: "rwm")]))
        XCTAssertEqual(try DeviceFilter.attachedPrograms(defaults.paths[""]!).count, 1)
        XCTAssertEqual(try probeDevices(in: defaults), "kmsg=open\nnull=ok\n")
    }

    func testProcessesFreezeKillDestroy() throws {
        let cg = try make("life", nil)
        let dir = try XCTUnwrap(cg.paths[""])
        let counter = NSTemporaryDirectory() + "berth-counter2-\(getpid())"
        defer { unlink(counter) }
        let p = try TestProcess.shell("i=0; while :; do i=$((i+1)); echo $i > \(counter); sleep 0.01; done")
        processes.append(p)
        try cg.add(pid: p.pid)
        p.go()
        XCTAssertTrue(eventually { !readTrimmed(counter).isEmpty })
        XCTAssertTrue(try cg.processes().contains(p.pid))
        XCTAssertTrue(readTrimmed("/proc/\(p.pid)/cgroup").contains("0::/berth-test-\(getpid())-life"))

        try cg.freeze()
        XCTAssertTrue(cg.isFrozen)
        XCTAssertTrue(readTrimmed(dir + "/cgroup.events").contains("frozen 1"))
        let frozenAt = readTrimmed(counter)
        usleep(300_000)
        XCTAssertEqual(readTrimmed(counter), frozenAt)
        try cg.thaw()
        XCTAssertFalse(cg.isFrozen)
        XCTAssertTrue(eventually { readTrimmed(counter) != frozenAt })

        XCTAssertGreaterThan(try cg.stats().cpuUsageNanoseconds, 0, "cpu.stat usage exists without controllers")
        try cg.killAll(signal: SIGKILL)   // cgroup.kill
        XCTAssertTrue(p.wait(seconds: 5))
        XCTAssertTrue(eventually { ((try? cg.processes()) ?? [1]).isEmpty })
        try cg.destroy()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }
}
