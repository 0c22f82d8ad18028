import BerthTestSupport
import Foundation
import XCTest

/// The `berth` CLI as a user runs it, against a real `berth daemon`
/// (DaemonHarness) over the Engine API: exit codes, streams, a real pty,
/// tables and templates, images against a real registry, networks, volumes,
/// login, and docker's messages for bad input.
final class BerthCLITests: XCTestCase {
    var daemon: DaemonHarness!
    var registry: TestRegistry?

    override func setUpWithError() throws {
        daemon = try DaemonHarness()
        try daemon.start()
    }

    override func tearDownWithError() throws {
        registry?.stop()
        let daemon = self.daemon
        daemon?.tearDown()
        if let daemon { XCTAssertEqual(daemon.mounts(), [], "mounts left behind") }
    }

    /// Runs the built berth with `-H` of the test daemon and its own config directory.
    @discardableResult
    func berth(_ args: [String], stdin: String? = nil, timeout: Double = 60) throws -> DaemonHarness.Result {
        try DaemonHarness.run([DaemonHarness.berth, "-H", daemon.host] + args, stdin: stdin, timeout: timeout,
                              environment: ["DOCKER_CONFIG": daemon.dir + "/berth-config"])
    }

    /// Runs berth and fails the test unless it exits 0; returns stdout.
    @discardableResult
    func ok(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try berth(args, stdin: stdin, timeout: 120)
        XCTAssertEqual(result.status, 0, "berth \(args.joined(separator: " ")): \(result.stderr)\n--- daemon log tail:\n"
                       + String(daemon.logText().suffix(2000)), file: file, line: line)
        return result.stdout
    }

    func testRunPropagatesExitCodesAndReportsErrors() throws {
        let run = try berth(["run", "--rm", "-e", "GREETING=hi", "busybox", "sh", "-c", "echo $GREETING; echo oops >&2; exit 3"])
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertEqual(run.stdout, "hi\n")
        XCTAssertEqual(run.stderr, "oops\n")
        XCTAssertEqual(try ok(["ps", "-aq"]), "", "--rm removed it")

        let missing = try berth(["run", "--rm", "busybox", "no-such-command"])
        XCTAssertEqual(missing.status, 127, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("executable file not found"), missing.stderr)

        let image = try berth(["run", "--rm", "nosuchimage.invalid/x:1"])
        XCTAssertEqual(image.status, 125)
        XCTAssertTrue(image.stderr.contains("Unable to find image 'nosuchimage.invalid/x:1' locally"), image.stderr)
        XCTAssertTrue(image.stderr.contains("Error response from daemon:"), image.stderr)

        let flag = try berth(["run", "--no-such-flag", "busybox"])
        XCTAssertEqual(flag.status, 125)
        XCTAssertTrue(flag.stderr.contains("--no-such-flag"), flag.stderr)

        XCTAssertEqual(try ok(["create", "--name", "dup", "busybox", "true"]).count, 65)
        let conflict = try berth(["create", "--name", "dup", "busybox", "true"])
        XCTAssertEqual(conflict.status, 125)
        XCTAssertTrue(conflict.stderr.hasPrefix("Error response from daemon: Conflict. The container name \"/dup\" is already in use"), conflict.stderr)

        let rm = try berth(["rm", "nosuch"])
        XCTAssertEqual(rm.status, 1)
        XCTAssertEqual(rm.stderr, "Error response from daemon: No such container: nosuch\n")

        let unreachable = try DaemonHarness.run([DaemonHarness.berth, "-H", "unix:///nonexistent.sock", "ps"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.stderr.hasPrefix("Cannot connect to the Docker daemon at unix:///nonexistent.sock"), unreachable.stderr)
    }

    func testDetachedLogsPsInspectAndLifecycle() throws {
        let id = try ok(["run", "-d", "--name", "talker", "-l", "role=test", "busybox", "sh", "-c",
                         "echo one; echo two >&2; trap 'exit 0' TERM; while true; do sleep 0.1; done"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64, id)
        // Labels: the image's and the container's, as docker merges them.
        XCTAssertEqual(try ok(["ps", "--format", "{{.Names}} {{.Image}} {{.State}} {{.Labels}}"]),
                       "talker busybox running org.example.image=busybox,role=test\n")
        XCTAssertEqual(try ok(["ps", "-q"]), String(id.prefix(12)) + "\n")
        XCTAssertEqual(try ok(["ps", "-q", "--no-trunc", "--filter", "name=talker"]), id + "\n")
        XCTAssertEqual(try ok(["ps", "-q", "--filter", "name=other"]), "")
        let table = try ok(["ps", "--format", "table {{.ID}}\t{{.Names}}"]).split(separator: "\n")
        XCTAssertEqual(table.first?.split(separator: " ", omittingEmptySubsequences: true), ["CONTAINER", "ID", "NAMES"])
        let json = try ok(["ps", "--format", "json"])
        XCTAssertEqual(try (JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["Names"] as? String, "talker")
        XCTAssertEqual(try ok(["inspect", "-f", "{{.State.Status}} {{.Name}} {{index .Config.Labels \"role\"}} {{json .Config.Cmd}}", "talker"]),
                       "running /talker test [\"sh\",\"-c\",\"echo one; echo two >&2; trap 'exit 0' TERM; while true; do sleep 0.1; done\"]\n")
        let inspected = try JSONSerialization.jsonObject(with: Data(try ok(["inspect", "talker"]).utf8)) as? [[String: Any]]
        XCTAssertEqual(inspected?.first?["Id"] as? String, id)

        // logs -f: the lines so far, then it follows until the container stops.
        let logs = try ok(["logs", "talker"])
        XCTAssertEqual(logs, "one\n")
        XCTAssertEqual(try berth(["logs", "talker"]).stderr, "two\n")
        XCTAssertEqual(try ok(["stop", "talker"]), "talker\n")
        XCTAssertEqual(try ok(["logs", "-f", "-t", "talker"]).count, "2024-01-01T00:00:00.000000000Z one\n".count)
        XCTAssertEqual(try ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "talker"]), "exited 0\n")
        XCTAssertEqual(try ok(["wait", "talker"]), "0\n")
        XCTAssertEqual(try ok(["rename", "talker", "quiet"]), "")
        XCTAssertEqual(try ok(["rm", "quiet"]), "quiet\n")
    }

    func testFollowingLogsOfARunningContainer() throws {
        try ok(["run", "-d", "--name", "ticker", "busybox", "sh", "-c", "echo a; sleep 1; echo b; sleep 1; echo c"])
        XCTAssertEqual(try ok(["logs", "-f", "ticker"]), "a\nb\nc\n", "-f returns once the container exits, with every line")
        XCTAssertEqual(try ok(["logs", "--tail", "1", "ticker"]), "c\n")
    }

    func testInteractiveTTYThroughARealPty() throws {
        // python3's pty: berth sees a terminal on stdin and stdout, as in a shell.
        // The terminal is 30x100: berth sends it as the first resize. (A later
        // resize reaches the daemon but is not always applied by the monitor:
        // see the report; not asserted here.)
        let script = """
        import os, pty, sys, time, select, fcntl, termios, struct
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            os.execv(sys.argv[1], [sys.argv[1], "-H", sys.argv[2], "run", "-it", "--rm", "busybox", "sh"])
        out = b""
        def pump(until, seconds=20):
            global out
            end = time.time() + seconds
            while until not in out and time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.5)
                if r:
                    try: out += os.read(fd, 4096)
                    except OSError: return
        pump(b"# ")
        os.write(fd, b"stty size; echo tty-$((40+2)) && tty\\r")
        pump(b"tty-42")
        os.write(fd, b"exit 7\\r")
        pump(b"__never__", 10)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace"))
        sys.stdout.write("\\nSTATUS=%d\\n" % os.waitstatus_to_exitcode(status))
        """
        let result = try DaemonHarness.run(["/usr/bin/python3", "-c", script, DaemonHarness.berth, daemon.host], timeout: 90)
        XCTAssertTrue(result.stdout.contains("tty-42"), result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("/dev/pts/"), "the container's stdin is a tty: " + result.stdout)
        XCTAssertTrue(result.stdout.contains("30 100"), "the first size: " + result.stdout)
        XCTAssertTrue(result.stdout.contains("STATUS=7"), "exit's code comes back through berth: " + result.stdout)
        XCTAssertEqual(try ok(["ps", "-aq"]), "")
    }

    func testExecStatsTopAndRestartPolicy() throws {
        try ok(["run", "-d", "--name", "box", "busybox", "sleep", "300"])
        let exec = try berth(["exec", "-e", "X=from-exec", "-w", "/tmp", "box", "sh", "-c", "echo $X $(pwd); exit 4"])
        XCTAssertEqual(exec.status, 4, exec.stderr)
        XCTAssertEqual(exec.stdout, "from-exec /tmp\n")
        XCTAssertEqual(try ok(["exec", "-i", "box", "cat"], stdin: "piped in\n"), "piped in\n")
        XCTAssertEqual(try ok(["exec", "-u", "1000", "box", "id", "-u"]), "1000\n")
        // docker's code for an exec the runtime cannot start (docker-py's test checks the same).
        XCTAssertEqual(try berth(["exec", "box", "no-such-binary"]).status, 126)
        XCTAssertEqual(try ok(["exec", "-d", "box", "sleep", "1"]), "")

        XCTAssertEqual(try ok(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "box"]), "box 1\n")
        let stats = try ok(["stats", "--no-stream", "box"]).split(separator: "\n")
        XCTAssertTrue(stats.first?.hasPrefix("CONTAINER ID") ?? false, stats.joined(separator: "\n"))
        XCTAssertTrue(try ok(["top", "box"]).contains("sleep 300"))
        XCTAssertEqual(try ok(["kill", "-s", "KILL", "box"]), "box\n")
        XCTAssertEqual(try ok(["wait", "box"]), "137\n")

        try ok(["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try ok(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky"]) != "2 exited\n" { usleep(200_000) }
        XCTAssertEqual(try ok(["inspect", "-f", "{{.RestartCount}} {{.State.Status}} {{.HostConfig.RestartPolicy.Name}}", "flaky"]),
                       "2 exited on-failure\n")
    }

    func testImagesAgainstARegistry() throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        self.registry = registry
        let ref = "\(registry.host)/busybox:latest"
        let pulled = try ok(["pull", ref])
        XCTAssertTrue(pulled.hasPrefix("latest: Pulling from \(registry.host)/busybox\n"), pulled)
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(ref)\n"), pulled)
        XCTAssertTrue(pulled.hasSuffix("\n\(ref)\n"), pulled)
        XCTAssertFalse(pulled.contains("Downloading"), "no progress counters when stdout is not a terminal")

        let rows = try ok(["images"]).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(rows.first, ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"])
        XCTAssertTrue(rows.contains { $0.prefix(2) == ["\(registry.host)/busybox", "latest"] }, "\(rows)")
        XCTAssertTrue(rows.contains { $0.prefix(2) == ["busybox", "latest"] }, "\(rows)")
        XCTAssertEqual(try ok(["images", "--format", "{{.Repository}}:{{.Tag}}", "\(registry.host)/busybox"]), ref + "\n")

        let pushedRef = "\(registry.host)/copied/box:v1"
        XCTAssertEqual(try ok(["tag", "busybox", pushedRef]), "")
        let pushed = try ok(["push", pushedRef])
        XCTAssertTrue(pushed.contains("The push refers to repository [\(registry.host)/copied/box]"), pushed)
        XCTAssertTrue(pushed.contains("v1: digest: sha256:"), pushed)
        XCTAssertEqual(try ok(["rmi", pushedRef]), "Untagged: \(pushedRef)\n")
        XCTAssertTrue(try ok(["pull", "-q", pushedRef]).hasSuffix(pushedRef + "\n"))

        let archive = daemon.dir + "/saved.tar"
        try ok(["save", "-o", archive, pushedRef])
        try ok(["rmi", pushedRef])
        XCTAssertEqual(try ok(["load", "-i", archive]), "Loaded image: \(pushedRef)\n")
        XCTAssertEqual(try ok(["history", "-q", pushedRef]).split(separator: "\n").count, 1)
        XCTAssertEqual(try ok(["image", "inspect", "-f", "{{.Os}}", pushedRef]), "linux\n")

        // On a terminal: one line per layer, redrawn in place, with docker's bar.
        try ok(["rmi", ref])
        let script = """
        import os, pty, sys
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], [sys.argv[1], "-H", sys.argv[2], "pull", sys.argv[3]])
        out = b""
        while True:
            try: d = os.read(fd, 65536)
            except OSError: break
            if not d: break
            out += d
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace") + "STATUS=%d" % os.waitstatus_to_exitcode(status))
        """
        let terminal = try DaemonHarness.run(["/usr/bin/python3", "-c", script, DaemonHarness.berth, daemon.host, ref], timeout: 90)
        XCTAssertTrue(terminal.stdout.hasSuffix("STATUS=0"), terminal.stdout)
        XCTAssertTrue(terminal.stdout.contains("\u{1B}[1A\r\u{1B}[2K"), "cursor moves up to redraw a layer's line")
        XCTAssertTrue(terminal.stdout.contains("Downloading [") || terminal.stdout.contains("Extracting ["), terminal.stdout)

        let none = try berth(["rmi", "nope:none"])
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "Error response from daemon: No such image: nope:none\n")
        let absent = try berth(["pull", "\(registry.host)/busybox:nope"])
        XCTAssertEqual(absent.status, 1)
        XCTAssertTrue(absent.stderr.contains("not found"), absent.stderr)
    }

    func testLoginWritesConfigAndPushesWithIt() throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: .basic, images: ["busybox"])
        self.registry = registry
        let user = try XCTUnwrap(registry.username), password = try XCTUnwrap(registry.password)
        let bad = try berth(["login", "-u", user, "--password-stdin", registry.host], stdin: "wrong\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("Error response from daemon:"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.dir + "/berth-config/config.json"))

        XCTAssertEqual(try ok(["login", "-u", user, "--password-stdin", registry.host], stdin: password + "\n"), "Login Succeeded\n")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: daemon.dir + "/berth-config/config.json"))) as? [String: Any]
        let auth = ((config?["auths"] as? [String: Any])?[registry.host] as? [String: Any])?["auth"] as? String
        XCTAssertEqual(auth, Data("\(user):\(password)".utf8).base64EncodedString())
        // The stored credentials go with pull and push.
        try ok(["pull", "\(registry.host)/busybox:latest"])
        try ok(["tag", "busybox", "\(registry.host)/mine:v1"])
        try ok(["push", "\(registry.host)/mine:v1"])

        XCTAssertEqual(try ok(["logout", registry.host]), "Removing login credentials for \(registry.host)\n")
        let after = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: daemon.dir + "/berth-config/config.json"))) as? [String: Any]
        XCTAssertEqual((after?["auths"] as? [String: Any])?.count, 0)
        XCTAssertNotEqual(try berth(["pull", "\(registry.host)/mine:v1"]).status, 0, "without credentials the registry refuses")
    }

    func testNetworksAndVolumes() throws {
        let id = try ok(["network", "create", "--subnet", "10.91.0.0/24", "--label", "k=v", "cli-net"]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64)
        XCTAssertTrue(try ok(["network", "ls", "--format", "{{.Name}} {{.Driver}}"]).contains("cli-net bridge\n"))
        XCTAssertEqual(try ok(["network", "inspect", "-f", "{{.Name}} {{index .Labels \"k\"}}", "cli-net"]), "cli-net v\n")
        try ok(["volume", "create", "--label", "a=b", "cli-vol"])
        XCTAssertEqual(try ok(["volume", "ls", "-q"]), "cli-vol\n")
        XCTAssertEqual(try ok(["volume", "inspect", "-f", "{{.Driver}} {{.Labels.a}}", "cli-vol"]), "local b\n")
        XCTAssertEqual(try ok(["run", "--rm", "--network", "cli-net", "--network-alias", "db", "-v", "cli-vol:/data", "busybox",
                               "sh", "-c", "echo kept > /data/f; ip -4 addr show eth0 | grep -o '10\\.91\\.0\\.[0-9]*' | head -1 | cut -d. -f1-3"]),
                       "10.91.0\n")
        XCTAssertEqual(try ok(["run", "--rm", "-v", "cli-vol:/data", "busybox", "cat", "/data/f"]), "kept\n")
        let inUse = try berth(["network", "rm", "nosuch-net"])
        XCTAssertEqual(inUse.status, 1)
        XCTAssertEqual(try ok(["network", "rm", "cli-net"]), "cli-net\n")
        XCTAssertEqual(try ok(["volume", "rm", "cli-vol"]), "cli-vol\n")
        XCTAssertEqual(try ok(["volume", "ls", "-q"]), "")
    }

    func testCopyBothWays() throws {
        try ok(["run", "-d", "--name", "files", "busybox", "sleep", "300"])
        let local = daemon.dir + "/cp-src"
        try FileManager.default.createDirectory(atPath: local + "/sub", withIntermediateDirectories: true)
        try "hello\n".write(toFile: local + "/sub/a.txt", atomically: true, encoding: .utf8)
        let put = try berth(["cp", local, "files:/tmp/"])
        XCTAssertEqual(put.status, 0, put.stderr)
        XCTAssertEqual(try ok(["exec", "files", "cat", "/tmp/cp-src/sub/a.txt"]), "hello\n")
        try ok(["cp", local + "/sub/a.txt", "files:/tmp/renamed.txt"])
        XCTAssertEqual(try ok(["exec", "files", "cat", "/tmp/renamed.txt"]), "hello\n")

        try ok(["exec", "files", "sh", "-c", "mkdir -p /out/d && echo from-container > /out/d/b.txt"])
        let back = daemon.dir + "/cp-back"
        try ok(["cp", "files:/out", back])
        XCTAssertEqual(try String(contentsOfFile: back + "/d/b.txt", encoding: .utf8), "from-container\n")
        try ok(["cp", "files:/out/d/b.txt", daemon.dir])
        XCTAssertEqual(try String(contentsOfFile: daemon.dir + "/b.txt", encoding: .utf8), "from-container\n")
        let missing = try berth(["cp", "files:/nope", daemon.dir])
        XCTAssertEqual(missing.status, 1)
    }

    func testVersionInfoAndCompletion() throws {
        XCTAssertEqual(try ok(["version", "--format", "{{.Client.Version}} {{.Server.ApiVersion}}"]), "0.1.0 1.50\n")
        XCTAssertTrue(try ok(["info"]).contains(" Containers: 0\n"))
        XCTAssertTrue(try ok(["completion", "bash"]).contains("_berth"))
        XCTAssertTrue(try ok(["system", "df"]).hasPrefix("TYPE"))
    }

    func testDetachKeysAttachAndStartAttached() throws {
        // ctrl-p ctrl-q leaves the container running; attach comes back to it.
        let script = """
        import os, pty, sys, time, select
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], [sys.argv[1], "-H", sys.argv[2], "run", "-it", "--name", "stay", "busybox", "sh"])
        out = b""
        end = time.time() + 20
        while b"# " not in out and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r: out += os.read(fd, 4096)
        os.write(fd, b"\\x10\\x11")
        _, status = os.waitpid(pid, 0)
        print("STATUS=%d" % os.waitstatus_to_exitcode(status))
        """
        let result = try DaemonHarness.run(["/usr/bin/python3", "-c", script, DaemonHarness.berth, daemon.host], timeout: 60)
        XCTAssertTrue(result.stdout.contains("STATUS=0"), result.stdout + result.stderr)
        XCTAssertEqual(try ok(["inspect", "-f", "{{.State.Running}}", "stay"]), "true\n", "detached, not stopped")
        // attach with stdin from a pipe: the shell runs what it reads and exits with it.
        let attached = try berth(["attach", "stay"], stdin: "echo via-attach; exit 6\n")
        XCTAssertEqual(attached.status, 6, attached.stderr)
        XCTAssertTrue(attached.stdout.contains("via-attach"), attached.stdout)

        try ok(["create", "--name", "later", "busybox", "sh", "-c", "echo started; exit 2"])
        let started = try berth(["start", "-a", "later"])
        XCTAssertEqual(started.status, 2)
        XCTAssertEqual(started.stdout, "started\n")
        let interactive = try berth(["run", "-i", "--rm", "busybox", "sh", "-c", "read line; echo got-$line"], stdin: "x\n")
        XCTAssertEqual(interactive.stdout, "got-x\n", interactive.stderr)
    }

    func testCommitDiffExportPortUpdatePauseAndPrune() throws {
        try ok(["run", "-d", "--name", "web", "-p", "127.0.0.1::80", "--expose", "81", "busybox", "sh", "-c",
                "echo changed > /etc/motd; sleep 300"])
        let port = try ok(["port", "web"])
        XCTAssertTrue(port.hasPrefix("80/tcp -> 127.0.0.1:"), port)
        XCTAssertTrue(try ok(["ps", "--format", "{{.Ports}}"]).contains("127.0.0.1:"), "published port in ps")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !(try ok(["diff", "web"]).contains("A /etc/motd")) { usleep(100_000) }
        XCTAssertTrue(try ok(["diff", "web"]).contains("A /etc/motd"))
        let commit = try berth(["commit", "-c", "CMD [\"cat\", \"/etc/motd\"]", "web", "committed:v1"])
        if commit.stderr.contains("not implemented") {
            print("commit: the daemon does not implement it yet (\(commit.stderr)); the client is not checked")
        } else {
            XCTAssertTrue(commit.stdout.hasPrefix("sha256:"), commit.stdout + commit.stderr)
            XCTAssertEqual(try ok(["run", "--rm", "committed:v1"]), "changed\n")
        }
        XCTAssertEqual(try ok(["update", "--memory", "64m", "web"]), "web\n")
        XCTAssertEqual(try ok(["inspect", "-f", "{{.HostConfig.Memory}}", "web"]), "67108864\n")
        XCTAssertEqual(try ok(["pause", "web"]), "web\n")
        XCTAssertEqual(try ok(["inspect", "-f", "{{.State.Status}}", "web"]), "paused\n")
        XCTAssertEqual(try ok(["unpause", "web"]), "web\n")
        try ok(["stop", "-t", "1", "web"])
        let export = try berth(["export", "-o", daemon.dir + "/web.tar", "web"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(try DaemonHarness.run(["/bin/tar", "-tf", daemon.dir + "/web.tar"]).stdout.contains("etc/motd"))
        try ok(["rm", "-f", "web"])

        try ok(["create", "--name", "idle", "busybox", "true"])
        let pruned = try ok(["container", "prune", "-f"])
        XCTAssertTrue(pruned.hasPrefix("Deleted Containers:\n"), pruned)
        XCTAssertEqual(try ok(["ps", "-aq"]), "")
        XCTAssertEqual(try berth(["container", "prune"], stdin: "n\n").stdout.contains("Are you sure"), true)
    }

    func testStdinArchivesEventsAndEnvironmentHost() throws {
        // save to stdout, load from stdin.
        let saved = daemon.dir + "/busybox-again.tar"
        let save = try DaemonHarness.run(["/bin/sh", "-c", "'\(DaemonHarness.berth)' -H \(daemon.host) save busybox > \(saved)"])
        XCTAssertEqual(save.status, 0, save.stderr)
        let load = try DaemonHarness.run(["/bin/sh", "-c", "'\(DaemonHarness.berth)' -H \(daemon.host) load < \(saved)"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertTrue(load.stdout.contains("busybox:latest"), load.stdout)
        let refused = try DaemonHarness.run([DaemonHarness.berth, "-H", daemon.host, "save", "busybox"])
        XCTAssertEqual(refused.status, 0, "stdout is a pipe here, not a terminal: " + refused.stderr)

        // BERTH_HOST (and DOCKER_HOST) stand in for -H.
        let env = try DaemonHarness.run([DaemonHarness.berth, "ps", "-a"], environment: ["BERTH_HOST": daemon.host, "DOCKER_HOST": "unix:///nonexistent"])
        XCTAssertEqual(env.status, 0, env.stderr)
        XCTAssertTrue(env.stdout.hasPrefix("CONTAINER ID"))

        let since = String(Int(Date().timeIntervalSince1970) - 5)
        try ok(["run", "--rm", "--name", "evented", "busybox", "true"])
        let until = String(Int(Date().timeIntervalSince1970) + 1)
        sleep(1)
        let events = try ok(["events", "--since", since, "--until", until, "--filter", "container=evented", "--format", "{{.Type}} {{.Action}}"])
        XCTAssertTrue(events.contains("container start\n"), events)
        XCTAssertTrue(events.contains("container die\n"), events)
        XCTAssertTrue(try ok(["images", "--format", "json"]).contains("\"Repository\":\"busybox\""))
    }

    /// `berth build` against a stand-in daemon (python's http.server on a Unix
    /// socket, which records the request) until berth's daemon serves /build:
    /// the context tar honours .dockerignore, the flags become docker's query.
    func testBuildSendsTheContextAndPrintsTheStream() throws {
        let context = daemon.dir + "/ctx"
        try FileManager.default.createDirectory(atPath: context + "/src/deep", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: context + "/logs", withIntermediateDirectories: true)
        for (path, text) in [("Dockerfile.web", "FROM busybox\n"), ("src/a.txt", "a"), ("src/deep/b.txt", "b"), ("logs/x.log", "x"),
                             ("logs/keep.log", "k"), ("secret.env", "s"), (".dockerignore", "logs\n!logs/keep.log\n*.env\nDockerfile*\n")] {
            try text.write(toFile: context + "/" + path, atomically: true, encoding: .utf8)
        }
        let socket = daemon.dir + "/fake.sock", record = daemon.dir + "/request"
        let server = """
        import socketserver, http.server, sys, os
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def do_GET(self):
                self.send_response(200); self.send_header("API-Version", "1.47"); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"OK")
            def do_POST(self):
                body = b""
                while True:
                    size = int(self.rfile.readline().strip(), 16)
                    if size == 0: self.rfile.readline(); break
                    body += self.rfile.read(size); self.rfile.readline()
                open(sys.argv[2] + ".tar", "wb").write(body)
                open(sys.argv[2] + ".path", "w").write(self.path)
                out = b'{"stream":"Step 1/1 : FROM busybox\\\\n"}\\r\\n{"stream":" ---> 1234\\\\n"}\\r\\n{"aux":{"ID":"sha256:feed"}}\\r\\n{"stream":"Successfully built feed\\\\n"}\\r\\n'
                self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
        class S(socketserver.UnixStreamServer):
            def get_request(self):
                r, _ = super().get_request(); return r, ("local", 0)
        s = S(sys.argv[1], H)
        open(sys.argv[2] + ".ready", "w").close()
        s.handle_request(); s.handle_request()
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", server, socket, record]
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        // The server writes .ready once it listens.
        while !FileManager.default.fileExists(atPath: record + ".ready") && process.isRunning { usleep(50_000) }

        let build = try DaemonHarness.run([DaemonHarness.berth, "-H", "unix://" + socket, "build", "-t", "one:1", "-t", "two:2",
                                           "-f", context + "/Dockerfile.web", "--build-arg", "A=b", "--target", "final",
                                           "--no-cache", "--label", "l=v", "--iidfile", daemon.dir + "/iid", context])
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertEqual(build.stdout, "Step 1/1 : FROM busybox\n ---> 1234\nSuccessfully built feed\n")
        XCTAssertEqual(try String(contentsOfFile: daemon.dir + "/iid", encoding: .utf8), "sha256:feed")
        let path = try String(contentsOfFile: record + ".path", encoding: .utf8)
        for part in ["/v1.47/build?", "t=one%3A1", "t=two%3A2", "target=final", "nocache=1", "dockerfile=Dockerfile.web",
                     "buildargs=%7B%22A%22%3A%22b%22%7D", "labels=%7B%22l%22%3A%22v%22%7D"] {
            XCTAssertTrue(path.contains(part), "\(part) in \(path)")
        }
        let listing = try DaemonHarness.run(["/bin/tar", "-tf", record + ".tar"]).stdout.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(listing, [".dockerignore", "Dockerfile.web", "logs/keep.log", "src/", "src/a.txt", "src/deep/", "src/deep/b.txt"])
    }

    /// berth speaks only the Engine API, so it drives Debian's dockerd (its
    /// own data root, socket, no bridge or iptables) as it drives berth's.
    func testDrivesADockerDaemon() throws {
        guard let dockerd = DaemonHarness.which("dockerd") else { throw XCTSkip("dockerd missing") }
        let root = daemon.dir + "/dockerd"
        let host = "unix://" + root + "/d.sock"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // dockerd makes a `docker` parent cgroup in every hierarchy and leaves it.
        let dockerCgroupsBefore = Set(DaemonHarness.parentCgroups(named: "docker").filter { FileManager.default.fileExists(atPath: $0) })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dockerd)
        process.arguments = ["--data-root", root + "/data", "--exec-root", root + "/exec", "-H", host, "--pidfile", root + "/d.pid",
                             "--bridge=none", "--iptables=false", "--ip6tables=false"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            _ = try? DaemonHarness.run(["/bin/sh", "-c", "'\(DaemonHarness.berth)' -H \(host) ps -aq | xargs -r '\(DaemonHarness.berth)' -H \(host) rm -f"])
            process.terminate()
            process.waitUntilExit()
            _ = try? DaemonHarness.run(["/bin/umount", "-R", root + "/data"])
            _ = try? DaemonHarness.run(["/bin/umount", "-R", root + "/exec"])
            for dir in DaemonHarness.parentCgroups(named: "docker") where !dockerCgroupsBefore.contains(dir) { rmdir(dir) }
        }
        func b(_ args: [String], stdin: String? = nil) throws -> DaemonHarness.Result {
            try DaemonHarness.run([DaemonHarness.berth, "-H", host] + args, stdin: stdin, timeout: 120,
                                  environment: ["DOCKER_CONFIG": daemon.dir + "/berth-config"])
        }
        var up = false
        for _ in 0..<150 where !up {
            up = (try? b(["version"]).status) == 0
            if !up { usleep(200_000) }
        }
        guard up else { throw XCTSkip("dockerd did not come up here") }
        XCTAssertTrue(try b(["version", "--format", "{{.Server.Version}}"]).stdout.contains("."))
        let load = try b(["load", "-i", daemon.busyboxArchive])
        XCTAssertEqual(load.stdout, "Loaded image: busybox:latest\n", load.stderr)
        let run = try b(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo from-dockerd; exit 3"])
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertEqual(run.stdout, "from-dockerd\n")
        XCTAssertEqual(try b(["run", "-d", "--name", "kept", "--network", "none", "busybox", "sleep", "300"]).status, 0)
        XCTAssertEqual(try b(["ps", "--format", "{{.Names}} {{.State}}"]).stdout, "kept running\n")
        XCTAssertEqual(try b(["exec", "-i", "kept", "cat"], stdin: "piped\n").stdout, "piped\n")
        XCTAssertEqual(try b(["inspect", "-f", "{{.State.Running}}", "kept"]).stdout, "true\n")
        XCTAssertEqual(try b(["rm", "-f", "kept"]).stdout, "kept\n")
        XCTAssertEqual(try b(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout, "busybox:latest\n")
    }

    /// Without a tty, signals to `berth run` go to the container (sig-proxy);
    /// on a narrow terminal, tables are cut to fit.
    func testSignalProxyAndTablesThatFitTheTerminal() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonHarness.berth)
        process.arguments = ["-H", daemon.host, "run", "--name", "proxied", "busybox", "sh", "-c",
                             "trap 'echo got-term; exit 9' TERM; echo ready; while true; do sleep 0.1; done"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try berth(["logs", "proxied"]).stdout != "ready\n" { usleep(100_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 9, "the container's trap ran and its code came back")
        XCTAssertEqual(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "ready\ngot-term\n")

        try ok(["create", "--name", "a-rather-long-container-name-for-the-table", "busybox", "sh", "-c",
                "echo a long command line that does not fit in sixty columns"])
        let script = """
        import os, pty, sys, fcntl, termios, struct
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
            os.execv(sys.argv[1], [sys.argv[1], "-H", sys.argv[2], "ps", "-a", "--no-trunc"])
        out = b""
        while True:
            try: d = os.read(fd, 65536)
            except OSError: break
            if not d: break
            out += d
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode())
        """
        let table = try DaemonHarness.run(["/usr/bin/python3", "-c", script, DaemonHarness.berth, daemon.host])
        let lines = table.stdout.split(separator: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 3, table.stdout)
        for line in lines { XCTAssertLessThanOrEqual(line.count, 60, String(line)) }
        XCTAssertTrue(table.stdout.contains("…"), table.stdout)
        XCTAssertTrue(try ok(["ps", "-a", "--no-trunc"]).contains("a-rather-long-container-name-for-the-table"), "not cut off a terminal")
    }
}
