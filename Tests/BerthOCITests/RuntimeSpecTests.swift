import XCTest
import Foundation
@testable import BerthOCI

final class RuntimeSpecTests: XCTestCase {
    /// A config.json as `runc spec` writes it (trimmed), plus resources and
    /// seccomp, must decode with every field in place.
    func testDecodesRuncStyleConfig() throws {
        let json = #"""
        {"ociVersion":"1.0.2-dev","process":{"terminal":true,"user":{"uid":0,"gid":0,"additionalGids":[10]},
         "args":["sh"],"env":["PATH=/bin"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],
         "permitted":["CAP_KILL"],"ambient":["CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],
         "noNewPrivileges":true},"root":{"path":"rootfs","readonly":true},"hostname":"runc",
         "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}],
         "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":1048576},
                  "cpu":{"shares":512,"quota":50000,"period":100000},"pids":{"limit":10}},
                  "namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/x"}],
                  "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",
                  "args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]},
                  "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}
        """#
        let spec = try JSONDecoder().decode(RuntimeSpec.self, from: Data(json.utf8))
        XCTAssertEqual(spec.process?.args, ["sh"])
        XCTAssertEqual(spec.process?.user.additionalGids, [10])
        XCTAssertEqual(spec.root, RuntimeSpec.Root(path: "rootfs", readonly: true))
        XCTAssertEqual(spec.mounts?[1].options?.last, "size=65536k")
        XCTAssertEqual(spec.linux?.resources?.cpu?.quota, 50000)
        XCTAssertEqual(spec.linux?.namespaces?[1].path, "/var/run/netns/x")
        XCTAssertEqual(spec.linux?.seccomp?.syscalls?.first?.args?.first?.op, "SCMP_CMP_EQ")
        let again = try JSONDecoder().decode(RuntimeSpec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(again, spec)
    }
}
