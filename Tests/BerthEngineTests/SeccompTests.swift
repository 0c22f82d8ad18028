import Foundation
import XCTest

/// The default seccomp profile and `--security-opt seccomp=…`, seen from
/// inside containers run with the docker CLI against a real `berth daemon`.
final class SeccompTests: XCTestCase {
    var daemon: DaemonHarness!

    override func setUpWithError() throws {
        daemon = try DaemonHarness()
        try daemon.start()
    }

    override func tearDownWithError() throws {
        daemon?.tearDown()
    }

    func run(_ args: [String], _ script: String) throws -> String {
        let result = try daemon.docker(["run", "--rm"] + args + ["busybox", "sh", "-c", script])
        XCTAssertEqual(result.status, 0, result.stderr + daemon.logText())
        return result.stdout
    }

    func testDefaultProfileFiltersWhatBreaksOut() throws {
        // Filtered (mode 2); namespaces and mounts refused even though root.
        XCTAssertEqual(try run([], "grep Seccomp: /proc/self/status | tr -d '\\t'; unshare -n true 2>/dev/null; echo unshare=$?"),
                       "Seccomp:2\nunshare=1\n")
        // With CAP_SYS_ADMIN the same calls are allowed, as with docker's profile.
        XCTAssertEqual(try run(["--cap-add", "SYS_ADMIN"], "unshare -n true; echo unshare=$?; mkdir /m; mount -t tmpfs none /m; echo mount=$?"),
                       "unshare=0\nmount=0\n")
        // Ordinary work is untouched.
        XCTAssertEqual(try run([], "mkdir -p /a/b && echo hi > /a/b/f && cat /a/b/f && sh -c 'exit 0' && echo forked"), "hi\nforked\n")
        XCTAssertTrue(try daemon.docker(["info", "--format", "{{json .SecurityOptions}}"]).stdout.contains("name=seccomp,profile=builtin"))
    }

    func testUnconfinedPrivilegedAndCustomProfiles() throws {
        XCTAssertEqual(try run(["--security-opt", "seccomp=unconfined"], "grep Seccomp: /proc/self/status | tr -d '\\t'"), "Seccomp:0\n")
        XCTAssertEqual(try run(["--privileged"], "grep Seccomp: /proc/self/status | tr -d '\\t'"), "Seccomp:0\n")
        // The docker CLI reads the file and sends the profile itself.
        let profile = daemon.dir + "/profile.json"
        try #"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},{"names":["chmod"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_FOWNER"]}}]}"#
            .write(toFile: profile, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["--security-opt", "seccomp=" + profile], "mkdir /x 2>&1; echo mkdir=$?"),
                       "mkdir: can't create directory '/x': Permission denied\nmkdir=1\n")
    }
}
