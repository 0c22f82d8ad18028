import XCTest
@testable import BerthRuntime
import BerthOCI
import BerthSystem

/// cgroup v2 logic against a fake hierarchy: what a v2-only host would get.
final class CgroupV2FakeTests: XCTestCase {
    let resources = RuntimeSpec.Resources(
        memory: .init(limit: 256 << 20, reservation: 128 << 20, swap: 512 << 20),
        cpu: .init(shares: 1024, quota: 50_000, period: 100_000, cpus: "0", mems: "0"),
        pids: .init(limit: 42),
        blockIO: .init(weight: 500),
        unified: ["memory.high": "200000000"])

    func testCreateWritesEveryLimitInV2Terms() throws {
        let fs = try FakeCgroupfs()
        let top = try fs.addV2(controllers: "cpuset cpu io memory hugetlb pids")
        var programs: [([BPFInstruction], String)] = []
        let cg = try Cgroup.create(host: fs.host, inner: .absolute("/berth/c1"), resources: resources,
                                   deviceAttacher: { programs.append(($0, $1)) })
        let leaf = top + "/berth/c1"
        XCTAssertEqual(cg.paths, ["": leaf])
        // Controllers enabled in every ancestor, not in the leaf.
        let all = "+cpu +cpuset +hugetlb +io +memory +pids"
        XCTAssertEqual(fs.read(top + "/cgroup.subtree_control"), all)
        XCTAssertEqual(fs.read(top + "/berth/cgroup.subtree_control"), all)
        XCTAssertFalse(fs.exists(leaf + "/cgroup.subtree_control"))

        XCTAssertEqual(fs.read(leaf + "/memory.max"), "268435456")
        XCTAssertEqual(fs.read(leaf + "/memory.swap.max"), "268435456", "swap alone = memory+swap - memory")
        XCTAssertEqual(fs.read(leaf + "/memory.low"), "134217728")
        XCTAssertEqual(fs.read(leaf + "/cpu.weight"), "39")
        XCTAssertEqual(fs.read(leaf + "/cpu.max"), "50000 100000")
        XCTAssertEqual(fs.read(leaf + "/cpuset.cpus"), "0")
        XCTAssertEqual(fs.read(leaf + "/pids.max"), "42")
        XCTAssertEqual(fs.read(leaf + "/io.weight"), "4950")
        XCTAssertEqual(fs.read(leaf + "/memory.high"), "200000000")

        // The device filter: default allow-list, attached to the leaf.
        XCTAssertEqual(programs.count, 1)
        XCTAssertEqual(programs.first?.1, leaf)
        XCTAssertEqual(programs.first?.0, try DeviceFilter.program(for: CgroupDeviceRule.validate(DeviceRules.defaultAllowed)))

        // update changes only what it is given.
        try cg.update(.init(cpu: .init(quota: -1)))
        XCTAssertEqual(fs.read(leaf + "/cpu.max"), "max")
        XCTAssertEqual(fs.read(leaf + "/pids.max"), "42")
        XCTAssertEqual(programs.count, 1, "no devices in the update: filter untouched")

        // destroy refuses while processes remain, then removes the directory.
        try cg.add(pid: 4242)
        XCTAssertEqual(try cg.processes(), [4242])
        XCTAssertThrowsError(try cg.destroy()) {
            XCTAssertEqual(($0 as? BerthError)?.code, .conflict)
            XCTAssertTrue("\($0)".contains("still has processes: 4242"), "\($0)")
        }
        try "".write(toFile: leaf + "/cgroup.procs", atomically: false, encoding: .utf8)
        try cg.destroy()
        XCTAssertFalse(fs.exists(leaf))
        XCTAssertTrue(fs.exists(top + "/berth"), "parents are left, as runc leaves them")
    }

    func testMissingControllerFailsNamingTheFieldAndLeavesNothing() throws {
        let fs = try FakeCgroupfs()
        let top = try fs.addV2(controllers: "cpu pids")
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c1"), resources: resources,
                                               deviceAttacher: { _, _ in })) {
            XCTAssertEqual(($0 as? BerthError)?.code, .unavailable)
            XCTAssertTrue("\($0)".contains("linux.resources.memory: the memory cgroup controller is not available"), "\($0)")
        }
        XCTAssertFalse(fs.exists(top + "/c1"))
    }

    func testBadSwapLeavesNothing() throws {
        let fs = try FakeCgroupfs()
        let top = try fs.addV2(controllers: "memory")
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                                               resources: .init(memory: .init(limit: 1000, swap: 10)),
                                               deviceAttacher: { _, _ in })) {
            XCTAssertTrue("\($0)".contains("linux.resources.memory.swap"), "\($0)")
        }
        XCTAssertFalse(fs.exists(top + "/c1"))
    }

    func testUnifiedKeysAreChecked() throws {
        let fs = try FakeCgroupfs()
        try fs.addV2(controllers: "memory")
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                                               resources: .init(unified: ["../escape": "1"]), deviceAttacher: { _, _ in })) {
            XCTAssertTrue("\($0)".contains("CONTROLLER.PARAMETER"), "\($0)")
        }
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                                               resources: .init(unified: ["io.max": "8:0 rbps=1"]), deviceAttacher: { _, _ in })) {
            XCTAssertTrue("\($0)".contains("controller \"io\" is not available"), "\($0)")
        }
    }

    func testUserDeviceRulesReachTheFilter() throws {
        let fs = try FakeCgroupfs()
        try fs.addV2(controllers: "")
        var program: [BPFInstruction] = []
        _ = try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                              resources: .init(devices: [.init(allow: true, type: "a", access: "rwm")]),
                              deviceAttacher: { p, _ in program = p })
        XCTAssertEqual(program.map(\.text).suffix(2), ["MovImm32 dst: r0 imm: 1", "Exit"])
        XCTAssertEqual(program.count, 8, "privileged: accept everything, no blocks")
    }
}
