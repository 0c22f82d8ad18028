import XCTest
@testable import BerthRuntime
import BerthSystem

/// cgroupsPath resolution and layout detection, from mountinfo texts.
final class CgroupPathTests: XCTestCase {
    /// This machine's layout: v1 controllers, name=systemd, and a cgroup2
    /// mount without controllers at /sys/fs/cgroup/unified.
    static let hybridMountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    static let hybridCgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n"

    static let legacyMountinfo = """
        25 20 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw
        26 25 0:23 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct
        27 25 0:24 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory
        """

    static let unifiedMountinfo = "30 20 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"

    func testLayoutDetection() {
        XCTAssertEqual(CgroupHost.parse(mountinfo: Self.hybridMountinfo, procCgroup: Self.hybridCgroup).layout, .hybrid)
        XCTAssertEqual(CgroupHost.parse(mountinfo: Self.legacyMountinfo, procCgroup: "").layout, .legacy)
        XCTAssertEqual(CgroupHost.parse(mountinfo: Self.unifiedMountinfo, procCgroup: "0::/user.slice/s.scope").layout, .unified)
    }

    func testCgroupsPathForms() throws {
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: nil, containerID: "web"), .relative("web"))
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "", containerID: "web"), .relative("web"))
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "/berth/web/", containerID: "x"), .absolute("/berth/web"))
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "/a/../../b", containerID: "x"), .absolute("/b"))
        // Relative paths cannot climb out of the runtime's cgroup.
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "../../etc/x", containerID: "x"), .relative("etc/x"))
        // systemd form: slice:prefix:name.
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "system.slice:docker:abc", containerID: "x"),
                       .absolute("/system.slice/docker-abc.scope"))
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: "user-1000.slice:berth:c1", containerID: "x"),
                       .absolute("/user.slice/user-1000.slice/berth-c1.scope"))
        XCTAssertEqual(try CgroupInnerPath.parse(cgroupsPath: ":berth:c1", containerID: "x"),
                       .absolute("/system.slice/berth-c1.scope"))
        XCTAssertThrowsError(try CgroupInnerPath.parse(cgroupsPath: "a:b", containerID: "x")) {
            XCTAssertTrue("\($0)".contains("slice:prefix:name"), "\($0)")
        }
        XCTAssertThrowsError(try CgroupInnerPath.parse(cgroupsPath: "bad:p:n", containerID: "x")) {
            XCTAssertTrue("\($0)".contains("invalid slice name \"bad\""), "\($0)")
        }
        XCTAssertThrowsError(try CgroupInnerPath.parse(cgroupsPath: "a--b.slice:p:n", containerID: "x"))
    }

    func testHybridDirectoriesUseV1PerControllerAndTrackInUnified() throws {
        let host = CgroupHost.parse(mountinfo: Self.hybridMountinfo, procCgroup: Self.hybridCgroup)
        let abs = host.directories(for: .absolute("/berth/c1"))
        XCTAssertEqual(abs["memory"], "/sys/fs/cgroup/memory/berth/c1")
        XCTAssertEqual(abs["name=systemd"], "/sys/fs/cgroup/systemd/berth/c1")
        XCTAssertEqual(abs[""], "/sys/fs/cgroup/unified/berth/c1")
        XCTAssertNil(abs["freezer"], "freezer is not mounted in this sample")
        // Relative: under the runtime's own cgroup of each hierarchy.
        let rel = host.directories(for: .relative("c1"))
        XCTAssertEqual(rel["memory"], "/sys/fs/cgroup/memory/process_api/abc/c1")
        XCTAssertEqual(rel["pids"], "/sys/fs/cgroup/pids/c1")
        XCTAssertEqual(rel[""], "/sys/fs/cgroup/unified/c1")
    }

    func testCoMountedControllersShareADirectory() {
        let host = CgroupHost.parse(mountinfo: Self.legacyMountinfo, procCgroup: "")
        let dirs = host.directories(for: .absolute("/c1"))
        XCTAssertEqual(dirs["cpu"], "/sys/fs/cgroup/cpu,cpuacct/c1")
        XCTAssertEqual(dirs["cpuacct"], "/sys/fs/cgroup/cpu,cpuacct/c1")
        XCTAssertNil(dirs[""])
    }

    func testUnifiedRelativePathIsUnderTheParentOfTheOwnCgroup() {
        // runc's fs2: the own cgroup holds processes, so a child with
        // controllers must hang off its parent.
        let host = CgroupHost.parse(mountinfo: Self.unifiedMountinfo, procCgroup: "0::/user.slice/session-1.scope\n")
        XCTAssertEqual(host.directories(for: .relative("c1")), ["": "/sys/fs/cgroup/user.slice/c1"])
        XCTAssertEqual(host.directories(for: .absolute("/berth/c1")), ["": "/sys/fs/cgroup/berth/c1"])
    }

    func testMountinfoEscapes() {
        XCTAssertEqual(CgroupHost.unescapeMountinfo("/a\\040b"), "/a b")
        XCTAssertEqual(CgroupHost.unescapeMountinfo("/plain"), "/plain")
    }
}
