import XCTest
import BerthOCI
@testable import BerthRuntime

/// The plan is the recorded list of system calls the child will make:
/// these tests need no root and check the order and the arguments.
final class InitPlanTests: XCTestCase {
    func plan(_ edit: (inout RuntimeSpec) -> Void = { _ in }, host: HostFacts = HostFacts()) throws -> InitPlan {
        var spec = DefaultSpec.make(args: ["/bin/app", "--flag"], terminal: false)
        edit(&spec)
        return try InitPlan.create(spec: spec, rootfs: "/b/rootfs", bundle: "/b", host: host)
    }

    func testDefaultSpecOrder() throws {
        let p = try plan()
        XCTAssertEqual(p.cloneFlags, 0x2000_0000 | 0x4000_0000 | 0x0800_0000 | 0x0400_0000 | 0x0002_0000)
        let kinds = p.ops.map(\.kind)
        // slave /, bind the rootfs, open it, mounts, devices, hooks sync, pivot, ro root, hostname …
        XCTAssertEqual(Array(kinds.prefix(3)), [.propagation, .mount, .openRoot])
        XCTAssertEqual(p.ops[0].flags, MountFlag.slave | MountFlag.rec)
        let pivot = kinds.firstIndex(of: .pivotRoot)!
        XCTAssertFalse(kinds.contains(.sync), "no hooks: nothing to wait for")
        let hooked = try plan { $0.hooks = .init(); $0.hooks?.prestart = [.init(path: "/bin/true")] }.ops.map(\.kind)
        XCTAssertEqual(hooked.filter { $0 == .sync }.count, 1)
        XCTAssertLessThan(hooked.firstIndex(of: .sync)!, hooked.firstIndex(of: .pivotRoot)!)
        XCTAssertLessThan(kinds.lastIndex(of: .mknod)!, pivot)
        XCTAssertLessThan(pivot, kinds.lastIndex(of: .remountBind)!, "the root is made read-only after pivot_root")
        XCTAssertLessThan(pivot, kinds.firstIndex(of: .mask)!)
        XCTAssertEqual(Array(kinds.suffix(8)), [.noNewPrivileges, .lookup, .identity, .dumpable, .umask, .chdir, .ready, .execFifo])
        XCTAssertEqual(p.op(.sethostname).first?.a, "berth")
        XCTAssertEqual(p.argv, ["/bin/app", "--flag"])
        let devices = p.op(.mknod).map { $0.b! }
        XCTAssertEqual(devices, ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"])
        XCTAssertEqual(p.op(.mknod)[0].flags, 0x103, "makedev(1, 3)")
        XCTAssertEqual(p.op(.symlink).map { $0.b! }.prefix(5), ["/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/ptmx"])
    }

    func testRamfsRootIsChrootedNotPivoted() throws {
        var host = HostFacts()
        host.rootfsOnRamfs = true
        let p = try plan({ _ in }, host: host)
        XCTAssertEqual(p.op(.pivotRoot).first?.n, 1)
        XCTAssertEqual(p.op(.pivotRoot).first?.what, "move the rootfs onto / and chroot")
        XCTAssertEqual(try plan().op(.pivotRoot).first?.n, 0)
    }

    func testMountOptionsBecomeFlagsAndData() throws {
        let p = try plan {
            $0.mounts = [.init(destination: "/data", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m", "mode=700", "rshared"]),
                         .init(destination: "etc/hosts", type: "bind", source: "hosts", options: ["ro", "rbind"])]
        }
        let mounts = p.op(.mount)
        XCTAssertEqual(mounts[1].b, "/data")
        XCTAssertEqual(mounts[1].flags, MountFlag.nosuid)
        XCTAssertEqual(mounts[1].d, "size=1m,mode=700")
        XCTAssertEqual(mounts[1].c, "tmpfs")
        let prop = p.op(.propagation).last!
        XCTAssertEqual(prop.b, "/data")
        XCTAssertEqual(prop.flags, MountFlag.shared | MountFlag.rec)
        XCTAssertEqual(mounts[2].a, "/b/hosts", "a relative bind source is relative to the bundle")
        XCTAssertEqual(mounts[2].b, "/etc/hosts", "a relative destination is made absolute")
        XCTAssertEqual(mounts[2].flags, MountFlag.bind | MountFlag.rec | MountFlag.rdonly)
        XCTAssertTrue(p.op(.mknod).isEmpty, "no /dev tmpfs: no default devices")
    }

    func testBindOfAFileMakesAFileTarget() throws {
        var host = HostFacts()
        host.fileSources = ["/b/hosts"]
        let p = try plan({ $0.mounts = [.init(destination: "/etc/hosts", type: "bind", source: "/b/hosts", options: ["bind"])] }, host: host)
        XCTAssertEqual(p.op(.mount)[1].n & InitOp.PathFlags.makeFile.rawValue, InitOp.PathFlags.makeFile.rawValue)
    }

    func testUserNamespaceBindsDevicesAndNeedsMappings() throws {
        XCTAssertThrowsError(try plan { $0.linux?.namespaces?.append(.init(type: "user")) }) {
            XCTAssertTrue("\($0)".contains("a new user namespace needs both mappings"), "\($0)")
        }
        let p = try plan {
            $0.linux?.namespaces?.append(.init(type: "user"))
            $0.linux?.uidMappings = [.init(containerID: 0, hostID: 1000, size: 1)]
            $0.linux?.gidMappings = [.init(containerID: 0, hostID: 1000, size: 1)]
        }
        XCTAssertTrue(p.op(.mknod).isEmpty)
        XCTAssertTrue(p.op(.mount).contains { $0.a == "/dev/null" && $0.b == "/dev/null" && $0.flags == MountFlag.bind })
        XCTAssertEqual(p.uidMappings.first?.hostID, 1000)
    }

    func testJoinedNamespaces() throws {
        let p = try plan {
            $0.hostname = nil
            $0.linux?.namespaces = [.init(type: "mount"), .init(type: "network", path: "/run/netns/x"),
                                    .init(type: "pid", path: "/proc/9/ns/pid"), .init(type: "cgroup")]
        }
        XCTAssertEqual(p.cloneFlags, 0x0002_0000, "only the mount namespace is cloned; cgroup is unshared later")
        XCTAssertEqual(p.intermediateJoins.map(\.type), ["pid"])
        XCTAssertEqual(p.op(.setns).map { $0.a }, ["/run/netns/x"])
        XCTAssertEqual(p.op(.unshare).first?.n, 0x0200_0000)
        XCTAssertThrowsError(try plan { $0.hostname = "x"; $0.linux?.namespaces = [.init(type: "mount")] }) {
            XCTAssertTrue("\($0)".contains("needs a new uts namespace"), "\($0)")
        }
    }

    func testSysctlsMustBeNamespaced() throws {
        let p = try plan { $0.linux?.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmax": "1000"] }
        XCTAssertEqual(p.op(.writeFile).map { $0.a! }, ["/proc/sys/kernel/shmmax", "/proc/sys/net/ipv4/ip_forward"])
        XCTAssertThrowsError(try plan { $0.linux?.sysctl = ["kernel.panic": "1"] }) {
            XCTAssertTrue("\($0)".contains("kernel.panic is not namespaced"), "\($0)")
        }
    }

    func testCapabilitiesOutsideTheBoundingSetAreDropped() throws {
        var host = HostFacts()
        host.bounding = ~(UInt64(1) << 24)  // no CAP_SYS_RESOURCE, as on this machine
        let p = try plan({ $0.process?.capabilities = .init(bounding: ["CAP_SYS_RESOURCE", "CAP_CHOWN"], effective: ["CAP_CHOWN"]) }, host: host)
        let id = p.op(.identity)[0].identity!
        XCTAssertEqual(id.bounding, 1)
        XCTAssertEqual(id.effective, 1)
        XCTAssertTrue(p.warnings.contains { $0.contains("CAP_SYS_RESOURCE") })
    }

    func testSeccompLoadsLateOnlyWithNoNewPrivileges() throws {
        let profile = RuntimeSpec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["mkdir"], action: "SCMP_ACT_ERRNO")])
        var p = try plan { $0.linux?.seccomp = profile }
        XCTAssertEqual(p.ops.last?.kind, .seccomp, "after the exec fifo, right before exec")
        p = try plan { $0.linux?.seccomp = profile; $0.process?.noNewPrivileges = false }
        let kinds = p.ops.map(\.kind)
        XCTAssertLessThan(kinds.firstIndex(of: .seccomp)!, kinds.firstIndex(of: .identity)!, "while still privileged")
    }

    func testProcessErrors() throws {
        XCTAssertThrowsError(try plan { $0.process?.args = [] }) { XCTAssertTrue("\($0)".contains("process.args")) }
        XCTAssertThrowsError(try plan { $0.process?.cwd = "tmp" }) { XCTAssertTrue("\($0)".contains("process.cwd")) }
        XCTAssertThrowsError(try plan { $0.process?.rlimits = [.init(type: "RLIMIT_NOPE", hard: 1, soft: 1)] }) {
            XCTAssertTrue("\($0)".contains("process.rlimits[0].type: unknown rlimit"), "\($0)")
        }
        XCTAssertThrowsError(try plan { $0.process?.rlimits = [.init(type: "RLIMIT_NOFILE", hard: 1, soft: 2)] }) {
            XCTAssertTrue("\($0)".contains("above its hard limit"), "\($0)")
        }
        XCTAssertThrowsError(try plan { $0.linux?.rootfsPropagation = "sideways" }) {
            XCTAssertTrue("\($0)".contains("linux.rootfsPropagation"), "\($0)")
        }
    }

    func testExecJoinsEveryNamespaceOfTheInit() throws {
        let spec = DefaultSpec.make(args: ["/bin/sh"], terminal: false)
        let p = try InitPlan.exec(process: spec.process!, spec: spec, initPid: 42, host: HostFacts())
        XCTAssertEqual(p.cloneFlags, 0)
        XCTAssertEqual(p.intermediateJoins.map(\.path), ["/proc/42/ns/pid"])
        XCTAssertEqual(p.op(.setns).map { $0.a! }, ["/proc/42/ns/ipc", "/proc/42/ns/uts", "/proc/42/ns/net", "/proc/42/ns/mnt"])
        XCTAssertFalse(p.ops.contains { $0.kind == .execFifo || $0.kind == .mount })
    }

    func testCgroupMountOnHybridHost() throws {
        var host = HostFacts()
        host.cgroupMounts = [CgroupMountPoint(name: "memory", options: "memory", isV2: false, hostPath: "/sys/fs/cgroup/memory/c"),
                             CgroupMountPoint(name: "cpu,cpuacct", options: "cpu,cpuacct", isV2: false, hostPath: "/sys/fs/cgroup/cpu,cpuacct/c",
                                              links: ["cpu", "cpuacct"]),
                             CgroupMountPoint(name: "unified", options: "", isV2: true, hostPath: "/sys/fs/cgroup/unified/c")]
        let p = try plan({ _ in }, host: host)
        let cg = p.op(.mount).filter { $0.b?.hasPrefix("/sys/fs/cgroup") == true }
        XCTAssertEqual(cg.map { $0.b! }, ["/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/unified"])
        XCTAssertEqual(cg[1].a, "/sys/fs/cgroup/memory/c", "no cgroup namespace: the container's own cgroup is bound")
        XCTAssertTrue(p.op(.symlink).contains { $0.b == "/sys/fs/cgroup/cpu" && $0.a == "cpu,cpuacct" })
        let fresh = try plan({ $0.linux?.namespaces?.append(.init(type: "cgroup")) }, host: host)
        let mem = fresh.op(.mount).first { $0.b == "/sys/fs/cgroup/memory" }!
        XCTAssertEqual(mem.c, "cgroup")
        XCTAssertEqual(mem.d, "memory")
    }

    func testSpecLoaderErrorsNameTheField() {
        XCTAssertThrowsError(try SpecLoader.decode(Array("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":0}}}".utf8), file: "c.json")) {
            XCTAssertTrue("\($0)".contains("c.json: process.user.gid: required field is missing"), "\($0)")
        }
        XCTAssertThrowsError(try SpecLoader.decode(Array("{\"ociVersion\":\"0.9\"}".utf8), file: "c.json")) {
            XCTAssertTrue("\($0)".contains("not a 1.x runtime spec"), "\($0)")
        }
    }

    func testChildErrorsAreNamedFromThePlan() {
        let ops = [InitOp(.mount, "mount proc on /proc"), InitOp(.lookup, "find x", a: "x")]
        XCTAssertEqual(ChildLauncher.describe(index: 0, errno: EPERM, detail: "", ops: ops, argv: ["x"]).message,
                       "mount proc on /proc: Operation not permitted")
        XCTAssertEqual(ChildLauncher.describe(index: 1, errno: ENOENT, detail: "", ops: ops, argv: ["x"]).message,
                       "exec: \"x\": executable file not found in $PATH")
    }
}
