import XCTest
@testable import BerthRuntime
import BerthOCI
import BerthSystem

/// cgroup v1 logic against a fake hierarchy.
final class CgroupV1FakeTests: XCTestCase {
    func makeFS() throws -> FakeCgroupfs {
        let fs = try FakeCgroupfs()
        try fs.addV1(["memory"])
        try fs.addV1(["cpu", "cpuacct"])
        try fs.addV1(["cpuset"], files: ["cpuset.cpus": "0-1\n", "cpuset.mems": "0\n"])
        try fs.addV1(["devices"])
        try fs.addV1(["pids"])
        try fs.addV1(["name=systemd"])
        return fs
    }

    func testCreateWritesV1FilesAndDevicesInOrder() throws {
        let fs = try makeFS()
        let cg = try Cgroup.create(host: fs.host, inner: .absolute("/berth/c1"),
                                   resources: .init(memory: .init(limit: 64 << 20, reservation: 32 << 20),
                                                    cpu: .init(shares: 512, quota: 20_000, period: 100_000),
                                                    pids: .init(limit: 0)))
        XCTAssertEqual(cg.paths["cpu"], fs.root + "/cpu,cpuacct/berth/c1")
        XCTAssertEqual(cg.paths["cpuacct"], cg.paths["cpu"])
        XCTAssertEqual(cg.paths["name=systemd"], fs.root + "/name=systemd/berth/c1")
        XCTAssertNil(cg.paths[""])
        let mem = fs.root + "/memory/berth/c1"
        XCTAssertEqual(fs.read(mem + "/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(fs.read(mem + "/memory.soft_limit_in_bytes"), "33554432")
        XCTAssertEqual(fs.writes(to: "cpu.shares"), ["512"])
        XCTAssertEqual(fs.writes(to: "cpu.cfs_period_us"), ["100000"])
        XCTAssertEqual(fs.writes(to: "cpu.cfs_quota_us"), ["20000"])
        XCTAssertEqual(fs.read(fs.root + "/pids/berth/c1/pids.max"), "max")
        // A new v1 cpuset starts empty and refuses tasks: inherited at every level.
        XCTAssertEqual(fs.read(fs.root + "/cpuset/berth/cpuset.cpus"), "0-1")
        XCTAssertEqual(fs.read(fs.root + "/cpuset/berth/c1/cpuset.mems"), "0")
        // Deny all, then the allow-list (runc's order).
        XCTAssertEqual(fs.writes(to: "devices.deny"), ["a *:* rwm"])
        XCTAssertEqual(fs.writes(to: "devices.allow"), [
            "b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
            "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm",
        ])
    }

    func testPrivilegedWithADenyWritesAllowAllThenTheDeny() throws {
        let fs = try makeFS()
        _ = try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                              resources: .init(devices: [.init(allow: true, access: "rwm"),
                                                         .init(allow: false, type: "b", major: 8, minor: 0, access: "w")]))
        XCTAssertEqual(fs.log.writes.filter { $0.path.contains("devices.") }.map { "\($0.path.split(separator: "/").last!) \($0.value)" }, [
            "devices.deny a *:* rwm", "devices.allow a *:* rwm", "devices.deny b 8:0 w",
        ])
    }

    func testSwapWithoutSwapAccountingIsAClearError() throws {
        let fs = try makeFS()
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c1"),
                                               resources: .init(memory: .init(limit: 64 << 20, swap: 128 << 20)))) {
            XCTAssertEqual(($0 as? BerthError)?.code, .unavailable)
            XCTAssertTrue("\($0)".contains("linux.resources.memory.swap: this kernel has no swap accounting"), "\($0)")
        }
        XCTAssertFalse(fs.exists(fs.root + "/memory/c1"), "nothing left behind")
        XCTAssertFalse(fs.exists(fs.root + "/pids/c1"))
    }

    func testAbsentControllerOnlyMattersWhenAskedFor() throws {
        let fs = try makeFS()
        // No blkio hierarchy: fine without blockIO, an error with it.
        _ = try Cgroup.create(host: fs.host, inner: .absolute("/ok"), resources: .init(pids: .init(limit: 3)))
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c2"), resources: .init(blockIO: .init(weight: 100)))) {
            XCTAssertTrue("\($0)".contains("linux.resources.blockIO: the blkio cgroup controller is not available"), "\($0)")
        }
        XCTAssertThrowsError(try Cgroup.create(host: fs.host, inner: .absolute("/c3"), resources: .init(unified: ["memory.high": "1"]))) {
            XCTAssertTrue("\($0)".contains("linux.resources.unified: needs cgroup v2"), "\($0)")
        }
    }

    func testLoadFindsWhatCreateMade() throws {
        let fs = try makeFS()
        let made = try Cgroup.create(host: fs.host, inner: .relative("c9"), resources: nil)
        let loaded = try Cgroup.load(host: fs.host, paths: fs.host.directories(for: .relative("c9")))
        XCTAssertEqual(loaded.paths, made.paths)
        try made.destroy()
        XCTAssertThrowsError(try Cgroup.load(host: fs.host, paths: made.paths)) {
            XCTAssertEqual(($0 as? BerthError)?.code, .notFound)
        }
    }
}
