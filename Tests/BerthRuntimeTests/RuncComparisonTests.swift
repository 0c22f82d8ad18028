import XCTest
import Foundation
import BerthOCI
@testable import BerthRuntime

/// The same bundles under Debian's runc and under berth: where the runtime
/// spec leaves no freedom, the payload must report the same thing.
final class RuncComparisonTests: XCTestCase {
    var h: RuntimeHarness!

    override func setUpWithError() throws {
        try requireRoot()
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc"), "needs runc (apt-get install runc)")
        h = RuntimeHarness()
    }

    override func tearDown() { h?.cleanUp() }

    /// Fields that depend on the runtime's own choices (the tmpfs under
    /// /sys/fs/cgroup, the hybrid hierarchy berth also mounts) are left out.
    func compare(_ configure: (TestBundle) -> Void, file: StaticString = #filePath, line: UInt = #line) throws {
        let b = try TestBundle(args: ["/bin/payload", "mounts"])
        configure(b)
        try b.write()
        let id = "cmp-\(UUID().uuidString.prefix(6))"
        h.created.append(id)
        let ours = h.berth(["run", "--bundle", b.dir, id])
        let theirs = h.runc(["run", "--bundle", b.dir, id])
        XCTAssertEqual(ours.status, theirs.status, "exit status: berth \(ours.stderr) runc \(theirs.stderr)", file: file, line: line)
        func lines(_ r: TestBundle.Result) -> [String] {
            r.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("mount=/sys/fs/cgroup") }
        }
        XCTAssertEqual(lines(ours), lines(theirs), file: file, line: line)
    }

    func testDefaultSpec() throws { try compare { _ in } }

    func testUserGroupsUmaskCwdRlimits() throws {
        try compare { b in
            b.spec.process?.user = .init(uid: 1234, gid: 99, umask: 0o077, additionalGids: [7, 8])
            b.spec.process?.cwd = "/tmp"
            b.spec.process?.rlimits = [.init(type: "RLIMIT_NOFILE", hard: 300, soft: 200)]
            b.spec.process?.env = ["PATH=/bin", "PAYLOAD_ENV=same"]
        }
    }

    func testCapabilitiesWithoutNoNewPrivileges() throws {
        try compare { b in
            let caps = ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]
            b.spec.process?.capabilities = .init(bounding: caps, effective: caps, inheritable: ["CAP_CHOWN"], permitted: caps, ambient: ["CAP_CHOWN"])
            b.spec.process?.noNewPrivileges = false
        }
    }

    func testWritableRootMaskedAndReadonlyPaths() throws {
        try compare { b in
            b.spec.root?.readonly = false
            b.spec.linux?.maskedPaths = ["/proc/kcore", "/tmp/absent"]
            b.spec.linux?.readonlyPaths = ["/proc/sys", "/tmp"]
            b.spec.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        }
    }
}
