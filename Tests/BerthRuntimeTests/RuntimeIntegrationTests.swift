import XCTest
import Foundation
import BerthOCI
@testable import BerthRuntime

/// `berth runtime` on the real kernel, checked from inside the container by
/// the payload program (crun's and youki's way).
final class RuntimeIntegrationTests: XCTestCase {
    var h: RuntimeHarness!

    override func setUpWithError() throws {
        try requireRoot()
        h = RuntimeHarness()
    }

    override func tearDown() { h?.cleanUp() }

    func run(_ bundle: TestBundle, id: String = "t-\(UUID().uuidString.prefix(6))") throws -> TestBundle.Result {
        try bundle.write()
        h.created.append(id)
        return h.berth(["run", "--bundle", bundle.dir, id])
    }

    func testRunReportsTheConfiguredProcess() throws {
        let b = try TestBundle(args: ["/bin/payload"])
        b.spec.hostname = "payload-host"
        b.spec.domainname = "example.test"
        b.spec.process?.user = .init(uid: 1000, gid: 1000, umask: 0o027, additionalGids: [5, 20])
        b.spec.process?.cwd = "/tmp"
        b.spec.process?.env = ["PATH=/bin", "PAYLOAD_ENV=from-config"]
        b.spec.process?.rlimits = [.init(type: "RLIMIT_NOFILE", hard: 512, soft: 256)]
        b.spec.process?.oomScoreAdj = 300
        let r = try run(b)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rep = r.report
        XCTAssertEqual(rep["hostname"], "payload-host")
        XCTAssertEqual(rep["domainname"], "example.test")
        XCTAssertEqual(rep["pid"], "1", "the process is the init of a new pid namespace")
        XCTAssertEqual(rep["uid"], "1000")
        XCTAssertEqual(rep["gid"], "1000")
        XCTAssertEqual(rep["groups"], "5,20")
        XCTAssertEqual(rep["cwd"], "/tmp")
        XCTAssertEqual(rep["Umask"], "0027")
        XCTAssertEqual(rep["env"], "from-config")
        XCTAssertEqual(rep["nofile"], "256/512")
        XCTAssertEqual(rep["oom_score_adj"], "300")
        XCTAssertEqual(rep["NoNewPrivs"], "1")
        // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE stay in the bounding
        // set; a non-root user keeps none effective without ambient raise.
        XCTAssertEqual(rep["CapBnd"], "0000000020000420")
        XCTAssertEqual(rep["dev_null"], "char")
        XCTAssertEqual(rep["dev_fd"], "symlink")
        XCTAssertEqual(rep["kcore_read"], "denied", "/proc/kcore is masked")
    }

    func testRootCapabilitiesAndMounts() throws {
        let b = try TestBundle(args: ["/bin/payload", "mounts"])
        b.spec.mounts?.append(.init(destination: "/data", type: "tmpfs", source: "tmpfs", options: ["size=1m", "noexec"]))
        let hostFile = b.dir + "/hostfile"
        try "from the host\n".write(toFile: hostFile, atomically: true, encoding: .utf8)
        b.spec.mounts?.append(.init(destination: "/etc/bound", type: "bind", source: hostFile, options: ["rbind", "ro"]))
        let r = try run(b)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.report["CapEff"], "0000000020000420")
        let m = r.mounts
        XCTAssertTrue(m["/"]?.hasPrefix("ro") == true, "root is read-only: \(m["/"] ?? "none")")
        XCTAssertTrue(m["/data"]?.contains("noexec") == true, "\(m)")
        XCTAssertTrue(m["/etc/bound"]?.hasPrefix("ro") == true, "a read-only bind of a file: \(m["/etc/bound"] ?? "none")")
        XCTAssertTrue(m["/sys"]?.hasPrefix("ro") == true)
        XCTAssertTrue(m["/proc/sys"]?.hasPrefix("ro") == true, "readonlyPaths")
        XCTAssertEqual(r.report["proc_sys_write"], "Read-only file system")
        XCTAssertEqual(r.report["write_root"], "Read-only file system")
        XCTAssertNotNil(m["/dev/pts"]); XCTAssertNotNil(m["/dev/shm"]); XCTAssertNotNil(m["/dev/mqueue"])
        XCTAssertNotNil(m["/sys/fs/cgroup"] ?? m["/sys/fs/cgroup/memory"])
    }

    func testCgroupLimitsAreVisibleInside() throws {
        let b = try TestBundle(args: ["/bin/payload"])
        b.spec.linux?.namespaces?.append(.init(type: "cgroup"))
        b.spec.linux?.resources?.memory = .init(limit: 64 << 20)
        b.spec.linux?.resources?.pids = .init(limit: 42)
        let r = try run(b)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rep = r.report
        if Cgroup.layout == .unified {
            XCTAssertEqual(rep["memory.max"], "\(64 << 20)")
        } else {
            XCTAssertEqual(rep["memory.limit"], "\(64 << 20)")
            XCTAssertEqual(rep["pids.max"], "42")
        }
    }

    func testSeccompErrnoIsSeenByTheProcess() throws {
        let b = try TestBundle(args: ["/bin/payload"])
        b.spec.root?.readonly = false
        b.spec.linux?.seccomp = .init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            .init(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1),
        ])
        let r = try run(b)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.report["Seccomp"], "2", "filter mode")
        XCTAssertEqual(r.report["write_tmp"], "Operation not permitted")
    }

    func testUserNamespaceMapsRootToAnUnprivilegedUser() throws {
        let b = try TestBundle(args: ["/bin/payload"])
        b.spec.linux?.namespaces?.append(.init(type: "user"))
        b.spec.linux?.uidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
        b.spec.linux?.gidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
        b.spec.mounts?.removeAll { $0.destination == "/sys/fs/cgroup" }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: b.dir)
        let r = try run(b)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.report["uid"], "0")
        XCTAssertEqual(r.report["uid_map"]?.split(separator: " ").map(String.init), ["0", "100000", "65536"])
        XCTAssertEqual(r.report["dev_null"], "char", "devices are bound from the host in a user namespace")
    }

    func testExitStatusAndSignals() throws {
        let b = try TestBundle(args: ["/bin/payload", "exit=7"])
        XCTAssertEqual(try run(b).status, 7)

        // SIGTERM to `run` reaches the container's process.
        let trap = try TestBundle(args: ["/bin/sh", "-c", "trap 'exit 42' TERM; echo ready > /tmp/ready; while true; do sleep 0.05; done"])
        trap.spec.root?.readonly = false
        try trap.write()
        h.created.append("trap")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestBundle.berth)
        p.arguments = ["runtime", "--root", h.root, "run", "--bundle", trap.dir, "trap"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: trap.rootfs + "/tmp/ready") { usleep(20_000) }
        p.terminate()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 42, "the trap ran: SIGTERM was forwarded")

        // A process killed by a signal exits 128 + signal.
        let k = try TestBundle(args: ["/bin/sleep", "100"])
        try k.write()
        h.created.append("killed")
        let q = Process()
        q.executableURL = URL(fileURLWithPath: TestBundle.berth)
        q.arguments = ["runtime", "--root", h.root, "run", "--bundle", k.dir, "killed"]
        try q.run()
        for _ in 0..<200 where !h.berth(["state", "killed"]).stdout.contains("running") { usleep(20_000) }
        XCTAssertEqual(h.berth(["kill", "killed", "KILL"]).status, 0)
        q.waitUntilExit()
        XCTAssertEqual(q.terminationStatus, 137, "killed by SIGKILL: 128 + 9")
    }

    func testCreateStartStateKillDelete() throws {
        let b = try TestBundle(args: ["/bin/sleep", "60"])
        try b.write()
        let id = "life"
        h.created.append(id)
        let pidFile = b.dir + "/pid"
        var r = h.berth(["create", "--bundle", b.dir, "--pid-file", pidFile, id])
        XCTAssertEqual(r.status, 0, r.stderr)
        let pid = try String(contentsOfFile: pidFile, encoding: .utf8)
        let state = try JSONDecoder().decode(OCIState.self, from: Data(h.berth(["state", id]).stdout.utf8))
        XCTAssertEqual(state.status, .created)
        XCTAssertEqual("\(state.pid)", pid)
        // The init waits on the exec fifo: it is not sleep yet.
        let comm = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
        XCTAssertFalse(comm.hasPrefix("/bin/sleep"), "the process must not run before start")
        r = h.berth(["create", "--bundle", b.dir, id])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("already exists"), r.stderr)

        XCTAssertEqual(h.berth(["start", id]).status, 0)
        XCTAssertTrue(h.berth(["state", id]).stdout.contains("\"running\""))
        XCTAssertTrue((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.hasPrefix("/bin/sleep") == true)
        r = h.berth(["delete", id])
        XCTAssertNotEqual(r.status, 0, "a running container is not deleted without --force")
        XCTAssertTrue(r.stderr.contains("not stopped"), r.stderr)

        XCTAssertEqual(h.berth(["pause", id]).status, 0)
        XCTAssertTrue(h.berth(["state", id]).stdout.contains("\"paused\""))
        XCTAssertEqual(h.berth(["resume", id]).status, 0)

        // The init (which entered its cgroup itself) and an exec'd process are
        // in the container's cgroup on every hierarchy this host mounts.
        let initCgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        let inExec = h.berth(["exec", id, "/bin/cat", "/proc/self/cgroup"])
        XCTAssertEqual(inExec.status, 0, inExec.stderr)
        for listing in [initCgroups, inExec.stdout] {
            let lines = listing.split(separator: "\n")
            XCTAssertEqual(lines.count, try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8).split(separator: "\n").count)
            for line in lines { XCTAssertTrue(line.hasSuffix("/" + id), "not in the container's cgroup: \(line)") }
        }

        let exec = h.berth(["exec", id, "/bin/sh", "-c", "echo exec-ok; cat /proc/1/cmdline"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertTrue(exec.stdout.hasPrefix("exec-ok\n/bin/sleep"), exec.stdout)
        XCTAssertEqual(h.berth(["exec", id, "/bin/sh", "-c", "exit 3"]).status, 3)
        let ps = h.berth(["ps", "--format", "json", id])
        XCTAssertEqual(try JSONDecoder().decode([Int32].self, from: Data(ps.stdout.utf8)), [Int32(pid.trimmingCharacters(in: .whitespaces))!])

        XCTAssertEqual(h.berth(["kill", id, "KILL"]).status, 0)
        for _ in 0..<100 where !h.berth(["state", id]).stdout.contains("\"stopped\"") { usleep(20_000) }
        XCTAssertTrue(h.berth(["state", id]).stdout.contains("\"stopped\""))
        XCTAssertEqual(h.berth(["delete", id]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.root + "/" + id))
        XCTAssertNotEqual(h.berth(["state", id]).status, 0)
    }

    /// CVE-2019-5736: the init's /proc/<pid>/exe must not be the host's
    /// berth binary (it is a read-only overlay or a sealed memfd copy).
    func testTheInitDoesNotExposeTheHostBinary() throws {
        let b = try TestBundle(args: ["/bin/true"])
        try b.write()
        h.created.append("sealed")
        let r = h.berth(["create", "--bundle", b.dir, "sealed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let state = try JSONDecoder().decode(OCIState.self, from: Data(h.berth(["state", "sealed"]).stdout.utf8))
        var exe = stat(), host = stat()
        XCTAssertEqual(stat("/proc/\(state.pid)/exe", &exe), 0)
        XCTAssertEqual(stat(TestBundle.berth, &host), 0)
        XCTAssertFalse(exe.st_dev == host.st_dev && exe.st_ino == host.st_ino, "the init runs the host's berth binary itself")
        let fd = open("/proc/\(state.pid)/exe", O_WRONLY)
        XCTAssertLessThan(fd, 0, "the init's executable is writable")
        if fd >= 0 { close(fd) }
    }

    /// `run` (one start of berth, no sealed copy): the process is executed
    /// through the dmz, so a program that is `#!/proc/self/exe` reaches the
    /// dmz, not the host's berth, and ends with 127; the dmz passes argv and
    /// the environment on unchanged and reports an exec that fails.
    func testRunExecutesThroughTheDmz() throws {
        guard ExeSeal.hasDmz else { throw XCTSkip("no dmz for this architecture") }
        let b = try TestBundle(args: ["/bin/sh", "-c", "echo \"$0 $1 $GREETING\"; ls -l /proc/self/exe", "one", "two"])
        b.spec.process?.env = ["PATH=/bin", "GREETING=hello"]
        try b.write()
        let ok = h.berth(["run", "--bundle", b.dir, "dmz-ok"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("one two hello\n"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("-> /bin/busybox"), "the program's own exe once it runs: " + ok.stdout)

        try "#!/proc/self/exe\n".write(toFile: b.rootfs + "/bin/evil", atomically: true, encoding: .utf8)
        chmod(b.rootfs + "/bin/evil", 0o755)
        try "junk, not a program".write(toFile: b.rootfs + "/bin/junk", atomically: true, encoding: .utf8)
        chmod(b.rootfs + "/bin/junk", 0o755)
        b.spec.process?.args = ["/bin/evil"]
        try b.write()
        let evil = h.berth(["run", "--bundle", b.dir, "dmz-evil"])
        XCTAssertEqual(evil.status, 127, "the dmz refuses to run as anything but berth's: " + evil.stdout + evil.stderr)
        b.spec.process?.args = ["/bin/junk"]
        try b.write()
        let junk = h.berth(["run", "--bundle", b.dir, "dmz-junk"])
        XCTAssertNotEqual(junk.status, 0)
        XCTAssertTrue(junk.stderr.contains("exec /bin/junk: Exec format error"), junk.stderr)
        for id in ["dmz-ok", "dmz-evil", "dmz-junk"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: h.root + "/" + id), "\(id) left its state")
        }
    }

    /// On a read-only mount (a device's root) the binary is used as it is,
    /// without the second start a copy costs, and it is still not writable.
    func testABinaryOnAReadOnlyMountIsNotCopied() throws {
        let b = try TestBundle(args: ["/bin/true"])
        try b.write()
        let ro = b.dir + "/ro-berth"
        FileManager.default.createFile(atPath: ro, contents: nil)
        XCTAssertEqual(mount(TestBundle.berth, ro, nil, UInt(MS_BIND), nil), 0)
        defer { umount2(ro, Int32(MNT_DETACH)) }
        XCTAssertEqual(mount(nil, ro, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil), 0)
        h.created.append("ro-exe")
        let r = TestBundle.run(ro, ["runtime", "--root", h.root, "create", "--bundle", b.dir, "ro-exe"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let state = try JSONDecoder().decode(OCIState.self, from: Data(h.berth(["state", "ro-exe"]).stdout.utf8))
        var exe = stat(), bound = stat()
        XCTAssertEqual(stat("/proc/\(state.pid)/exe", &exe), 0)
        XCTAssertEqual(stat(ro, &bound), 0)
        XCTAssertTrue(exe.st_dev == bound.st_dev && exe.st_ino == bound.st_ino, "the read-only binary itself runs")
        // Busy while it runs (ETXTBSY); read-only once it no longer does.
        var fs = statvfs()
        XCTAssertEqual(statvfs("/proc/\(state.pid)/exe", &fs), 0)
        XCTAssertNotEqual(fs.f_flag & UInt(ST_RDONLY), 0, "the init's executable sits on a read-only mount")
        XCTAssertEqual(h.berth(["delete", "--force", "ro-exe"]).status, 0)
    }

    func testDeleteForceKillsEveryProcess() throws {
        let b = try TestBundle(args: ["/bin/sh", "-c", "sleep 100 & sleep 100 & wait"])
        try b.write()
        h.created.append("force")
        XCTAssertEqual(h.berth(["run", "--detach", "--bundle", b.dir, "force"]).status, 0)
        let pids = try JSONDecoder().decode([Int32].self, from: Data(h.berth(["ps", "--format", "json", "force"]).stdout.utf8))
        XCTAssertGreaterThanOrEqual(pids.count, 2)
        let r = h.berth(["delete", "--force", "force"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for pid in pids {
            // Gone, or a zombie waiting for the host's reaper.
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            XCTAssertTrue(stat.isEmpty || stat.contains(") Z "), "pid \(pid) survived delete --force: \(stat)")
        }
        XCTAssertEqual(h.berth(["list", "-q"]).stdout, "")
    }

    func testHooksGetTheStateAndRunInOrder() throws {
        let b = try TestBundle(args: ["/bin/true"])
        let log = b.dir + "/hooks.log"
        func hook(_ name: String) -> RuntimeSpec.Hook {
            .init(path: "/bin/sh", args: ["sh", "-c", "echo \(name) $(cat) >> \(log)"])
        }
        var hooks = RuntimeSpec.Hooks()
        hooks.prestart = [hook("prestart")]
        hooks.createRuntime = [hook("createRuntime")]
        hooks.poststart = [hook("poststart")]
        hooks.poststop = [hook("poststop")]
        b.spec.hooks = hooks
        let r = try run(b, id: "hooked")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.split(separator: " ")[0]) }, ["prestart", "createRuntime", "poststart", "poststop"])
        XCTAssertTrue(lines[0].contains("\"id\":\"hooked\""), String(lines[0]))
        XCTAssertTrue(lines[0].contains("\"bundle\":\"\(b.dir)\""), String(lines[0]))
    }

    func testFailedHookLeavesNothingBehind() throws {
        let b = try TestBundle(args: ["/bin/true"])
        var hooks = RuntimeSpec.Hooks()
        hooks.createRuntime = [.init(path: "/bin/sh", args: ["sh", "-c", "echo broken >&2; exit 4"])]
        b.spec.hooks = hooks
        try b.write()
        let r = h.berth(["create", "--bundle", b.dir, "bad-hook"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("hooks.createRuntime[0]") && r.stderr.contains("status 4") && r.stderr.contains("broken"), r.stderr)
        try assertNothingLeft("bad-hook")
    }

    func testMissingExecutableFailsCreateCleanly() throws {
        let b = try TestBundle(args: ["no-such-program"])
        try b.write()
        let r = h.berth(["create", "--bundle", b.dir, "nobin"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\"no-such-program\": executable file not found in $PATH"), r.stderr)
        try assertNothingLeft("nobin")
    }

    func testBadConfigsNameTheField() throws {
        let b = try TestBundle()
        try b.write()
        try "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": \"root\"}, \"cwd\": \"/\"}}".write(toFile: b.dir + "/config.json", atomically: true, encoding: .utf8)
        var r = h.berth(["create", "--bundle", b.dir, "bad1"])
        XCTAssertTrue(r.stderr.contains("process.user.uid: expected a number"), r.stderr)
        try "{ not json".write(toFile: b.dir + "/config.json", atomically: true, encoding: .utf8)
        r = h.berth(["create", "--bundle", b.dir, "bad2"])
        XCTAssertTrue(r.stderr.contains("malformed JSON"), r.stderr)

        b.spec.linux?.namespaces?.append(.init(type: "moon"))
        try b.write()
        r = h.berth(["create", "--bundle", b.dir, "bad3"])
        XCTAssertTrue(r.stderr.contains("linux.namespaces[5].type: unknown namespace \"moon\""), r.stderr)
        try assertNothingLeft("bad3")

        b.spec.linux?.namespaces?.removeLast()
        b.spec.process?.capabilities?.bounding?.append("CAP_FLY")
        try b.write()
        r = h.berth(["create", "--bundle", b.dir, "bad4"])
        XCTAssertTrue(r.stderr.contains("process.capabilities.bounding[3]: unknown capability \"CAP_FLY\""), r.stderr)
        try assertNothingLeft("bad4")

        b.spec.process?.capabilities = nil
        b.spec.root?.path = "missing-rootfs"
        try b.write()
        r = h.berth(["create", "--bundle", b.dir, "bad5"])
        XCTAssertTrue(r.stderr.contains("root.path: rootfs \(b.dir)/missing-rootfs does not exist"), r.stderr)
        r = h.berth(["create", "--bundle", b.dir, "bad/id"])
        XCTAssertTrue(r.stderr.contains("invalid container id"), r.stderr)
    }

    func testConsoleSocketReceivesThePtyMaster() throws {
        let b = try TestBundle(args: ["/bin/sh", "-c", "tty; echo done"])
        b.spec.process?.terminal = true
        try b.write()
        let socketPath = b.dir + "/console.sock"
        let listener = try UnixListener(path: socketPath)
        h.created.append("tty")
        let r = h.berth(["create", "--bundle", b.dir, "--console-socket", socketPath, "tty"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let master = try listener.acceptFD()
        defer { close(master) }
        XCTAssertEqual(h.berth(["start", "tty"]).status, 0)
        var output = ""
        var buf = [UInt8](repeating: 0, count: 1024)
        for _ in 0..<50 where !output.contains("done") {
            let n = read(master, &buf, buf.count)
            if n <= 0 { break }
            output += String(decoding: buf[..<n], as: UTF8.self)
        }
        XCTAssertTrue(output.contains("/dev/pts/0"), output)
        XCTAssertTrue(output.contains("done"), output)
    }

    /// No state, no cgroup, no process after a failed create.
    func assertNothingLeft(_ id: String) throws {
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.root + "/" + id), "state directory left for \(id)")
        let cgroupRoots = ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup"]
        let own = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        for line in own.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controller = parts[1].isEmpty ? "unified" : String(parts[1].split(separator: ",")[0])
            for base in cgroupRoots where base.hasSuffix(controller) || (controller == "unified" && base == "/sys/fs/cgroup") {
                let dir = base + (parts[2] == "/" ? "" : String(parts[2])) + "/" + id
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir), "cgroup left: \(dir)")
            }
        }
    }
}

/// A listening Unix socket for --console-socket.
final class UnixListener {
    let fd: Int32
    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in path.utf8.enumerated() { p[i] = b } }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0, listen(fd, 1) == 0 else { throw NSError(domain: "bind", code: Int(errno)) }
    }
    deinit { close(fd) }

    /// Accepts one connection and receives the fd sent over it.
    func acceptFD() throws -> Int32 {
        let conn = accept(fd, nil, nil)
        defer { close(conn) }
        var byte: UInt8 = 0
        var iov = iovec(iov_base: &byte, iov_len: 1)
        let space = 64
        let control = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: 8)
        defer { control.deallocate() }
        var msg = msghdr()
        withUnsafeMutablePointer(to: &iov) { msg.msg_iov = $0 }
        msg.msg_iovlen = 1
        msg.msg_control = control
        msg.msg_controllen = space
        guard recvmsg(conn, &msg, 0) >= 0 else { throw NSError(domain: "recvmsg", code: Int(errno)) }
        // struct cmsghdr { size_t len; int level; int type; } then the fd.
        return control.load(fromByteOffset: 16, as: Int32.self)
    }
}
