import Foundation
import XCTest

/// The docker CLI 28, unmodified, against a real `berth daemon` running real
/// runc on a real overlay rootfs.
final class DockerCLITests: XCTestCase {
    var daemon: DaemonHarness!

    override func setUpWithError() throws {
        daemon = try DaemonHarness()
        try daemon.start()
    }

    override func tearDownWithError() throws {
        let daemon = self.daemon
        daemon?.tearDown()
        if let daemon { XCTAssertEqual(daemon.mounts(), [], "mounts left behind") }
    }

    func testRunRemovePrintsOutputAndLeavesNothing() throws {
        let run = try daemon.docker(["run", "--rm", "busybox", "echo", "hi"])
        XCTAssertEqual(run.status, 0, run.stderr + daemon.logText())
        XCTAssertEqual(run.stdout, "hi\n")
        let ps = try daemon.docker(["ps", "-aq"])
        XCTAssertEqual(ps.stdout, "", "--rm container still listed")
    }

    func testExitCodeAndStderrReachTheCLI() throws {
        let run = try daemon.docker(["run", "--name", "fails", "busybox", "sh", "-c", "echo out; echo oops >&2; exit 3"])
        XCTAssertEqual(run.status, 3)
        XCTAssertEqual(run.stdout, "out\n")
        XCTAssertEqual(run.stderr, "oops\n")
        let inspect = try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}} {{.Path}} {{json .Args}}", "fails"])
        XCTAssertEqual(inspect.stdout, "exited 3 /fails sh [\"-c\",\"echo out; echo oops >&2; exit 3\"]\n")
        let wait = try daemon.docker(["wait", "fails"])
        XCTAssertEqual(wait.stdout, "3\n")
    }

    func testDetachedLifecyclePsLogsStopRm() throws {
        let run = try daemon.docker(["run", "-d", "--name", "web", "-l", "tier=front", "busybox", "sh", "-c", "echo started; exec sleep 300"])
        XCTAssertEqual(run.status, 0, run.stderr + daemon.logText())
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64)

        let ps = try daemon.docker(["ps", "--format", "{{.Names}} {{.Image}} {{.Status}}"])
        XCTAssertTrue(ps.stdout.hasPrefix("web busybox Up "), ps.stdout)
        XCTAssertEqual(try daemon.docker(["ps", "-q", "--filter", "label=tier=front"]).stdout, String(id.prefix(12)) + "\n")
        XCTAssertEqual(try daemon.docker(["ps", "-q", "--filter", "label=tier=back"]).stdout, "")
        XCTAssertEqual(try daemon.docker(["ps", "-q", "--filter", "name=we"]).stdout, String(id.prefix(12)) + "\n")

        XCTAssertTrue(waitUntil { (try? self.daemon.docker(["logs", "web"]).stdout) == "started\n" })
        let top = try daemon.docker(["top", "web"])
        XCTAssertTrue(top.stdout.contains("sleep 300"), top.stdout + top.stderr)

        let started = Date()
        let stop = try daemon.docker(["stop", "-t", "1", "web"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        // sleep as PID 1 ignores SIGTERM: it is SIGKILLed after the timeout.
        let state = try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "web"])
        XCTAssertEqual(state.stdout, "exited 137 false\n")
        XCTAssertEqual(try daemon.docker(["ps", "-q"]).stdout, "")
        XCTAssertTrue(try daemon.docker(["ps", "-a", "--format", "{{.Status}}"]).stdout.hasPrefix("Exited (137)"))

        XCTAssertEqual(try daemon.docker(["rm", "web"]).status, 0)
        XCTAssertEqual(try daemon.docker(["ps", "-aq"]).stdout, "")
    }

    func testDockerErrorsAreDockers() throws {
        let missing = try daemon.docker(["inspect", "nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("No such container: nope") || missing.stderr.contains("No such object: nope"), missing.stderr)
        let stopMissing = try daemon.docker(["stop", "nope"])
        XCTAssertTrue(stopMissing.stderr.contains("No such container: nope"), stopMissing.stderr)

        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "busy", "busybox", "sleep", "300"]).status, 0)
        let conflict = try daemon.docker(["create", "--name", "busy", "busybox"])
        XCTAssertNotEqual(conflict.status, 0)
        XCTAssertTrue(conflict.stderr.contains("The container name \"/busy\" is already in use"), conflict.stderr)
        let rmRunning = try daemon.docker(["rm", "busy"])
        XCTAssertNotEqual(rmRunning.status, 0)
        XCTAssertTrue(rmRunning.stderr.contains("container is running: stop the container before removing or force remove"), rmRunning.stderr)
        XCTAssertEqual(try daemon.docker(["rm", "-f", "busy"]).status, 0)
        XCTAssertEqual(try daemon.docker(["ps", "-aq"]).stdout, "")

        let badPolicy = try daemon.docker(["create", "--restart", "sometimes", "busybox"])
        XCTAssertNotEqual(badPolicy.status, 0)
    }

    func testLogsTailTimestampsFollowAndStreams() throws {
        let run = try daemon.docker(["run", "-d", "--name", "talker", "busybox", "sh", "-c",
                                     "echo one; echo two; echo three >&2; sleep 1; echo late"])
        XCTAssertEqual(run.status, 0, run.stderr)
        // -f returns once the container exits, with everything it wrote.
        let follow = try daemon.docker(["logs", "-f", "talker"], timeout: 20)
        XCTAssertEqual(follow.stdout, "one\ntwo\nlate\n")
        XCTAssertEqual(follow.stderr, "three\n")
        XCTAssertEqual(try daemon.docker(["logs", "--tail", "1", "talker"]).stdout, "late\n")
        let stamped = try daemon.docker(["logs", "-t", "talker"]).stdout.split(separator: "\n")
        XCTAssertEqual(stamped.count, 3)
        XCTAssertTrue(stamped[0].hasSuffix("Z one"), String(stamped[0]))
        XCTAssertEqual(try daemon.docker(["logs", "--since", "2999-01-01T00:00:00Z", "talker"]).stdout, "")
    }

    func testConfigMapsOntoTheContainer() throws {
        let run = try daemon.docker([
            "run", "--rm", "--hostname", "box1", "-e", "A=1", "-w", "/tmp", "--user", "1000:50",
            "busybox", "sh", "-c", "hostname; echo $A $IMAGE_VAR; pwd; id -u; id -g",
        ])
        XCTAssertEqual(run.status, 0, run.stderr + daemon.logText())
        XCTAssertEqual(run.stdout, "box1\n1 from-image\n/tmp\n1000\n50\n")

        // docker's default capability set: CAP_NET_ADMIN (12) absent; cap-add adds it.
        func capEff(_ extra: [String]) throws -> UInt64 {
            let out = try daemon.docker(["run", "--rm"] + extra + ["busybox", "sh", "-c", "grep CapEff /proc/self/status"])
            XCTAssertEqual(out.status, 0, out.stderr)
            return UInt64(out.stdout.split(separator: "\t").last!.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) ?? 0
        }
        XCTAssertEqual(try capEff([]), 0x00000000a80425fb, "docker's default capabilities")
        XCTAssertNotEqual(try capEff(["--cap-add", "NET_ADMIN"]) & (1 << 12), 0)
        XCTAssertEqual(try capEff(["--cap-drop", "CHOWN"]) & 1, 0)
        // Privileged: the daemon's bounding set (this host may lack some).
        let bounding = try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("CapBnd:") }!.split(separator: "\t").last!
        XCTAssertEqual(try capEff(["--privileged"]), UInt64(bounding, radix: 16))

        let readOnly = try daemon.docker(["run", "--rm", "--read-only", "busybox", "touch", "/x"])
        XCTAssertNotEqual(readOnly.status, 0)
        XCTAssertTrue(readOnly.stderr.contains("Read-only file system"), readOnly.stderr)

        // Masked paths as docker: /proc/timer_list reads as /dev/null; /proc/sys is read-only.
        let masked = try daemon.docker(["run", "--rm", "busybox", "sh", "-c", "wc -c < /proc/timer_list; awk '$2==\"/proc/sys\" {print $4}' /proc/mounts"])
        XCTAssertTrue(masked.stdout.hasPrefix("0\nro,"), masked.stdout)
    }

    func testResourceLimitsReachTheCgroup() throws {
        let run = try daemon.docker(["run", "-d", "--name", "limited", "--memory", "64m", "--pids-limit", "50",
                                     "--cpus", "0.5", "--ulimit", "nofile=512:1024", "busybox", "sleep", "300"])
        XCTAssertEqual(run.status, 0, run.stderr + daemon.logText())
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let v2 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
        let memory = v2 ? "/sys/fs/cgroup/berth/\(id)/memory.max" : "/sys/fs/cgroup/memory/berth/\(id)/memory.limit_in_bytes"
        XCTAssertEqual(try String(contentsOfFile: memory, encoding: .utf8), "67108864\n")
        let pids = v2 ? "/sys/fs/cgroup/berth/\(id)/pids.max" : "/sys/fs/cgroup/pids/berth/\(id)/pids.max"
        XCTAssertEqual(try String(contentsOfFile: pids, encoding: .utf8), "50\n")
        if !v2 {
            XCTAssertEqual(try String(contentsOfFile: "/sys/fs/cgroup/cpu/berth/\(id)/cpu.cfs_quota_us", encoding: .utf8), "50000\n")
        }
        let limits = try daemon.docker(["exec", "limited", "sh", "-c", "ulimit -n; ulimit -Hn"])
        XCTAssertEqual(limits.stdout, "512\n1024\n", limits.stderr)
        let initLimits = try daemon.docker(["run", "--rm", "--ulimit", "nofile=256:300", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"])
        XCTAssertEqual(initLimits.stdout, "256\n300\n", initLimits.stderr)
        let inspect = try daemon.docker(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}", "limited"])
        XCTAssertEqual(inspect.stdout, "67108864 50 500000000\n")
        XCTAssertEqual(try daemon.docker(["rm", "-f", "limited"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: memory), "cgroup left behind")
    }

    func testRootfsIsARealOverlaySnapshot() throws {
        let run = try daemon.docker(["run", "-d", "--name", "writer", "busybox", "sh", "-c", "echo data > /created; exec sleep 300"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let upper = try daemon.docker(["inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", "writer"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(waitUntil { FileManager.default.fileExists(atPath: upper + "/created") }, "no /created in \(upper)")
        let mounts = try daemon.docker(["exec", "writer", "cat", "/proc/mounts"]).stdout
        XCTAssertTrue(mounts.hasPrefix("overlay / overlay"), mounts)
        // A second container from the same image does not see the first one's file.
        let other = try daemon.docker(["run", "--rm", "busybox", "ls", "/created"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertEqual(try daemon.docker(["rm", "-f", "writer"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: upper), "snapshot left behind")
    }

    func testPauseUnpauseRenameRestart() throws {
        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "p1", "busybox", "sleep", "300"]).status, 0)
        XCTAssertEqual(try daemon.docker(["pause", "p1"]).status, 0)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "p1"]).stdout, "paused true\n")
        XCTAssertEqual(try daemon.docker(["unpause", "p1"]).status, 0)
        XCTAssertEqual(try daemon.docker(["rename", "p1", "p2"]).status, 0)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.Name}} {{.State.Status}}", "p2"]).stdout, "/p2 running\n")
        let pid1 = try daemon.docker(["inspect", "-f", "{{.State.Pid}}", "p2"]).stdout
        XCTAssertEqual(try daemon.docker(["restart", "-t", "0", "p2"]).status, 0)
        let pid2 = try daemon.docker(["inspect", "-f", "{{.State.Pid}} {{.State.Running}}", "p2"]).stdout
        XCTAssertNotEqual(pid1, pid2)
        XCTAssertTrue(pid2.hasSuffix(" true\n"))
    }

    func testRestartPolicyOnFailureStopsAfterMaxRetries() throws {
        let run = try daemon.docker(["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo try; exit 1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(waitUntil(timeout: 20) {
            (try? self.daemon.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky"]).stdout) == "2 exited\n"
        }, (try? daemon.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky"]).stdout) ?? "")
        XCTAssertEqual(try daemon.docker(["logs", "flaky"]).stdout, "try\ntry\ntry\n")
    }

    func testAlwaysRestartsUntilStopped() throws {
        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "loop", "--restart", "always", "busybox", "true"]).status, 0)
        XCTAssertTrue(waitUntil(timeout: 20) {
            (Int((try? self.daemon.docker(["inspect", "-f", "{{.RestartCount}}", "loop"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? 0) >= 2
        })
        XCTAssertEqual(try daemon.docker(["stop", "loop"]).status, 0)
        let count = try daemon.docker(["inspect", "-f", "{{.RestartCount}}", "loop"]).stdout
        sleep(2)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Running}}", "loop"]).stdout,
                       count.trimmingCharacters(in: .whitespacesAndNewlines) + " false\n")
    }

    func testLiveRestoreKeepsRunningContainersAndRecordsExits() throws {
        let run = try daemon.docker(["run", "-d", "--name", "survivor", "busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "shortlived", "busybox", "sh", "-c", "sleep 2; exit 5"]).status, 0)
        let pid = try daemon.docker(["inspect", "-f", "{{.State.Pid}}", "survivor"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        daemon.stopDaemon()
        XCTAssertEqual(kill(pid_t(pid)!, 0), 0, "the container died with the daemon")
        sleep(3) // shortlived exits while no daemon runs
        try daemon.start()
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "survivor"]).stdout, "running \(pid)\n")
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "shortlived"]).stdout, "exited 5\n")
        XCTAssertEqual(try daemon.docker(["stop", "survivor"]).status, 0)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "survivor"]).stdout, "exited 0\n")
    }

    func testInfoAndVersionReportThisDaemon() throws {
        let version = try daemon.docker(["version", "--format", "{{.Server.APIVersion}} {{.Server.Os}}"])
        XCTAssertEqual(version.stdout, "1.50 linux\n")
        XCTAssertEqual(try daemon.docker(["run", "-d", "busybox", "sleep", "60"]).status, 0)
        let info = try daemon.docker(["info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.DockerRootDir}} {{.Driver}} {{.LoggingDriver}}"])
        XCTAssertEqual(info.stdout, "1 1 \(daemon.dataRoot) overlay2 json-file\n")
    }


    func testInitReapsForwardsSignalsAndKeepsTheExitCode() throws {
        guard DaemonHarness.runtimeFlags.isEmpty else { throw XCTSkip("--init needs berth's runtime") }
        let ps = try daemon.docker(["run", "--rm", "--init", "busybox", "sh", "-c", "echo $$; ps -o pid,comm | sed -n 2p"])
        XCTAssertEqual(ps.status, 0, ps.stderr + daemon.logText())
        // The command is not pid 1: berth's init is.
        XCTAssertEqual(ps.stdout.split(separator: "\n").first, "2", ps.stdout)
        XCTAssertEqual(try daemon.docker(["run", "--rm", "--init", "busybox", "sh", "-c", "exit 7"]).status, 7)

        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "tini", "--init", "busybox", "sh", "-c",
                                          "sleep 0.2 & sleep 0.2 & trap 'echo got TERM; exit 3' TERM; while :; do sleep 0.1; done"]).status, 0)
        Thread.sleep(forTimeInterval: 1.5)
        // The orphaned sleeps were reaped: no zombie in the container.
        let states = try daemon.docker(["exec", "tini", "ps", "-o", "stat"])
        XCTAssertFalse(states.stdout.contains("Z"), states.stdout)
        // SIGTERM reaches the command (a plain pid 1 would have ignored it).
        let stop = try daemon.docker(["stop", "-t", "5", "tini"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.ExitCode}}", "tini"]).stdout, "3\n")
        XCTAssertEqual(try daemon.docker(["logs", "tini"]).stdout, "got TERM\n")
    }

    func testRunRmOfAMissingCommandFailsAndLeavesNothing() throws {
        let run = try daemon.docker(["run", "--rm", "busybox", "/no/such/binary"], timeout: 30)
        XCTAssertEqual(run.status, 127, run.stderr)
        XCTAssertTrue(run.stderr.contains("/no/such/binary"), run.stderr)
        XCTAssertEqual(try daemon.docker(["ps", "-aq"]).stdout, "", "the --rm container was kept")
    }

    func testDetachKeysLeaveTheContainerRunning() throws {
        // docker run -it in a pty; ctrl-p ctrl-q (the daemon watches stdin for
        // them, as dockerd does) ends the CLI with 0 and the shell runs on.
        // Then docker attach --detach-keys=ctrl-x,x detaches the same way.
        let script = """
        import os, pty, sys, time, select
        def session(argv, keys):
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(argv[0], argv)
            out = b""
            def pump(until, seconds=20):
                nonlocal out
                end = time.time() + seconds
                while until not in out and time.time() < end:
                    r, _, _ = select.select([fd], [], [], 0.5)
                    if r:
                        try: out += os.read(fd, 4096)
                        except OSError: return
            # The CLI reads the terminal only once it is attached: type until the shell answers.
            for _ in range(10):
                os.write(fd, b"echo mark-$((40+2))\\r")
                pump(b"mark-42", 3)
                if b"mark-42" in out: break
            os.write(fd, keys)
            pump(b"__never__", 5)
            _, status = os.waitpid(pid, 0)
            return out, os.waitstatus_to_exitcode(status)
        docker, host = sys.argv[1], sys.argv[2]
        out, code = session([docker, "-H", host, "run", "-it", "--name", "keeper", "busybox", "sh"], b"\\x10\\x11")
        print("RUN", code, b"mark-42" in out)
        out, code = session([docker, "-H", host, "attach", "--detach-keys=ctrl-x,x", "keeper"], b"\\x18x")
        print("ATTACH", b"mark-42" in out, b"read escape sequence" in out)
        """
        let result = try DaemonHarness.run(["/usr/bin/python3", "-c", script, DaemonHarness.which("docker")!, daemon.host], timeout: 90)
        XCTAssertTrue(result.stdout.contains("RUN 0 True"), result.stdout + result.stderr + daemon.logText())
        // docker attach ends with its own status after a detach; what matters is that it detached.
        XCTAssertTrue(result.stdout.contains("ATTACH True True"), result.stdout + result.stderr)
        XCTAssertEqual(try daemon.docker(["inspect", "-f", "{{.State.Status}}", "keeper"]).stdout, "running\n",
                       "the shell goes on after the client detached")
        XCTAssertEqual(try daemon.docker(["exec", "keeper", "echo", "still"]).stdout, "still\n")
        // The daemon watches for the keys itself (docker-py has no escape proxy):
        // the attach ends at them, the bytes before reach the shell, the keys do not.
        let py = try daemon.python("""
        import docker, time
        c = docker.from_env().containers.get("keeper")
        s = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1, "detachKeys": "ctrl-x,x"})
        sock = s._sock
        sock.sendall(b"echo via-$((1+1)) > /tmp/via\\r\\x18x")
        sock.settimeout(10)
        data = b""
        try:
            while True:
                chunk = sock.recv(4096)
                if not chunk: break
                data += chunk
        except Exception as e:
            print("TIMEOUT", e)
        print("CLOSED", c.reload() or c.status)
        """)
        XCTAssertTrue(py.stdout.contains("CLOSED running"), py.stdout + py.stderr)
        XCTAssertFalse(py.stdout.contains("TIMEOUT"), "the daemon ended the attach at the keys: " + py.stdout)
        XCTAssertTrue(waitUntil { (try? self.daemon.docker(["exec", "keeper", "cat", "/tmp/via"]).stdout) == "via-2\n" },
                      "what came before the keys reached the shell")
        let bad = try daemon.docker(["exec", "--detach-keys=ctrl-9", "keeper", "true"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("detach keys"), bad.stderr)
        try daemon.docker(["rm", "-f", "keeper"])
    }

    func testADeepExecRootServesTtysAttachesAndExecs() throws {
        // Each container's sockets live under the exec root, and a sockaddr
        // holds 107 bytes of path: a deep exec root reaches them through
        // their directory instead (the default runtime; runc cannot).
        guard DaemonHarness.runtimeFlags.isEmpty else { throw XCTSkip("runc connects to the console socket by path") }
        let deep = try DaemonHarness(execRootName: String(repeating: "deep/", count: 12) + "exec")
        defer { deep.tearDown() }
        try deep.start()
        XCTAssertGreaterThan(deep.execRoot.utf8.count + 1 + 64 + "/attach.console".utf8.count, 107)
        let tty = try deep.docker(["run", "--rm", "-t", "busybox", "sh", "-c", "tty && echo in-a-tty"])
        XCTAssertEqual(tty.status, 0, tty.stderr + deep.logText())
        XCTAssertTrue(tty.stdout.contains("/dev/pts/0") && tty.stdout.contains("in-a-tty"), tty.stdout)
        XCTAssertEqual(try deep.docker(["run", "-d", "-i", "--name", "cat", "busybox", "cat"]).status, 0)
        let exec = try deep.docker(["exec", "-t", "cat", "sh", "-c", "echo from-exec"])
        XCTAssertEqual(exec.stdout, "from-exec\r\n", exec.stderr)
        let py = try deep.python("""
        import docker
        c = docker.from_env().containers.get("cat")
        s = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})._sock
        s.sendall(b"echoed\\n")
        s.settimeout(10)
        print("GOT", s.recv(4096)[8:])
        """)
        XCTAssertTrue(py.stdout.contains("GOT b'echoed\\n'"), py.stdout + py.stderr)
        try deep.docker(["rm", "-f", "cat"])
    }

    func testAnAttachOutlivesOtherClientsComingAndGoing() throws {
        // Every resize is a short-lived connection to the container's
        // monitor; the shell redraws at once, so the monitor writes to a
        // client that is gone while another has input waiting. The attached
        // client keeps both directions through each of them.
        try daemon.docker(["run", "-d", "-it", "--name", "shell", "busybox", "sh"])
        let py = try daemon.python("""
        import docker, time
        c = docker.from_env().containers.get("shell")
        s = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})._sock
        s.settimeout(5)
        seen = 0
        for i in range(30):
            c.resize(height=20 + i, width=80)
            s.sendall(b"echo got-$((%d*2))\\r" % i)
            want, data = b"got-%d" % (i * 2), b""
            try:
                while want not in data.replace(b"echo got-$((%d*2))" % i, b""):
                    chunk = s.recv(4096)
                    if not chunk: break
                    data += chunk
            except Exception as e:
                print("LOST", i, e, data[-200:])
                break
            seen += 1
        print("SEEN", seen)
        """)
        XCTAssertTrue(py.stdout.contains("SEEN 30"), py.stdout + py.stderr)
        try daemon.docker(["rm", "-f", "shell"])
    }
}

extension XCTestCase {
    /// Polls `condition` (every 0.1 s) until it holds or `timeout` passes.
    func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }
}
