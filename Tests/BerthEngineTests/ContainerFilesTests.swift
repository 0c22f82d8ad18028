import Foundation
import XCTest

/// `docker cp` both ways, `docker diff`, `docker export` and `docker update`
/// with the docker CLI 28 against a real `berth daemon`.
final class ContainerFilesTests: XCTestCase {
    var daemon: DaemonHarness!
    var local: String!

    override func setUpWithError() throws {
        daemon = try DaemonHarness()
        try daemon.start()
        local = daemon.dir + "/local"
        try FileManager.default.createDirectory(atPath: local + "/tree/sub", withIntermediateDirectories: true)
        try "from the host\n".write(toFile: local + "/file.txt", atomically: true, encoding: .utf8)
        try "one\n".write(toFile: local + "/tree/one", atomically: true, encoding: .utf8)
        try "two\n".write(toFile: local + "/tree/sub/two", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        let daemon = self.daemon
        daemon?.tearDown()
        if let daemon { XCTAssertEqual(daemon.mounts(), [], "mounts left behind") }
    }

    func docker(_ args: String...) throws -> DaemonHarness.Result {
        let result = try daemon.docker(args)
        if result.status != 0 { print("docker \(args.joined(separator: " ")): \(result.status) \(result.stderr)") }
        return result
    }

    func testCopyIntoAndOutOfARunningContainer() throws {
        XCTAssertEqual(try docker("run", "-d", "--name", "box", "-v", "data:/data", "busybox", "sleep", "300").status, 0, daemon.logText())
        // Into the container: a file, a directory, and into a volume.
        XCTAssertEqual(try docker("cp", local + "/file.txt", "box:/tmp/").status, 0)
        XCTAssertEqual(try docker("cp", local + "/tree", "box:/root/tree").status, 0)
        XCTAssertEqual(try docker("cp", local + "/file.txt", "box:/data/in-volume.txt").status, 0)
        let seen = try docker("exec", "box", "sh", "-c", "cat /tmp/file.txt /root/tree/one /root/tree/sub/two /data/in-volume.txt")
        XCTAssertEqual(seen.stdout, "from the host\none\ntwo\nfrom the host\n", seen.stderr)

        // Out of it: a file the container wrote, a directory, the contents of one ("/.").
        XCTAssertEqual(try docker("exec", "box", "sh", "-c", "mkdir -p /out/d && echo made > /out/d/m && echo top > /out/t").status, 0)
        let into = daemon.dir + "/back"
        try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
        XCTAssertEqual(try docker("cp", "box:/out/t", into + "/t").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/t", encoding: .utf8), "top\n")
        XCTAssertEqual(try docker("cp", "box:/out", into + "/whole").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/whole/d/m", encoding: .utf8), "made\n")
        try FileManager.default.createDirectory(atPath: into + "/contents", withIntermediateDirectories: true)
        XCTAssertEqual(try docker("cp", "box:/out/d/.", into + "/contents").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/contents/m", encoding: .utf8), "made\n")

        // A missing path is a clear 404, not an empty archive.
        let missing = try docker("cp", "box:/no/such/file", into + "/x")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/no/such/file"), missing.stderr)
    }

    func testSymlinksResolveInsideTheContainer() throws {
        XCTAssertEqual(try docker("run", "-d", "--name", "box", "busybox", "sleep", "300").status, 0, daemon.logText())
        // A link to "/" inside the container must not reach the host's root.
        XCTAssertEqual(try docker("exec", "box", "sh", "-c", "echo inside > /marker; ln -s / /tmp/up; ln -s /marker /tmp/link").status, 0)
        let into = daemon.dir + "/back"
        try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
        XCTAssertEqual(try docker("cp", "box:/tmp/up/marker", into + "/m").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/m", encoding: .utf8), "inside\n")
        // A final symlink is copied as a link; -L follows it (in the container).
        XCTAssertEqual(try docker("cp", "box:/tmp/link", into + "/l").status, 0)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: into + "/l"), "/marker")
        XCTAssertEqual(try docker("cp", "-L", "box:/tmp/link", into + "/f").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/f", encoding: .utf8), "inside\n")
        // Copying in through the link writes into the container, not the host.
        XCTAssertEqual(try docker("cp", local + "/file.txt", "box:/tmp/up/tmp/").status, 0)
        XCTAssertEqual(try docker("exec", "box", "cat", "/tmp/file.txt").stdout, "from the host\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/file.txt") &&
                       (try? String(contentsOfFile: "/tmp/file.txt", encoding: .utf8)) == "from the host\n")
    }

    func testCopyWithAStoppedContainerAndReadOnlyRootfs() throws {
        XCTAssertEqual(try docker("create", "--name", "box", "-v", "data:/data", "busybox", "cat", "/etc/copied", "/data/v").status, 0)
        XCTAssertEqual(try docker("cp", local + "/file.txt", "box:/etc/copied").status, 0, daemon.logText())
        XCTAssertEqual(try docker("cp", local + "/file.txt", "box:/data/v").status, 0, daemon.logText())
        XCTAssertEqual(daemon.mounts().filter { $0.contains("/containers/") }, [], "the rootfs stays mounted after cp")
        let run = try docker("start", "-a", "box")
        XCTAssertEqual(run.stdout, "from the host\nfrom the host\n", run.stderr)
        let into = daemon.dir + "/back"
        try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
        XCTAssertEqual(try docker("cp", "box:/etc/copied", into + "/again").status, 0)
        XCTAssertEqual(try String(contentsOfFile: into + "/again", encoding: .utf8), "from the host\n")

        XCTAssertEqual(try docker("run", "-d", "--name", "ro", "--read-only", "busybox", "sleep", "300").status, 0)
        let refused = try docker("cp", local + "/file.txt", "ro:/tmp/")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("read-only"), refused.stderr)
    }

    func testDiffListsWhatTheContainerChanged() throws {
        XCTAssertEqual(try docker("run", "--name", "box", "busybox", "sh", "-c",
                                  "echo x > /tmp/new; rm /bin/ls; mkdir -p /srv/app; echo y >> /etc/passwd").status, 0)
        let diff = try docker("diff", "box")
        XCTAssertEqual(diff.status, 0, diff.stderr)
        let lines = diff.stdout.split(separator: "\n").map(String.init)
        for expected in ["C /bin", "D /bin/ls", "C /tmp", "A /tmp/new", "A /srv", "A /srv/app", "C /etc", "C /etc/passwd"] {
            XCTAssertTrue(lines.contains(expected), "\(expected) missing from:\n\(diff.stdout)")
        }
        // The mount points the runtime made are not the container's changes.
        for hidden in ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/proc", "/sys", "/dev"] {
            XCTAssertFalse(lines.contains { $0.hasSuffix(" " + hidden) }, "\(hidden) listed:\n\(diff.stdout)")
        }
        let paths = lines.map { String($0.dropFirst(2)) }
        XCTAssertEqual(paths, paths.sorted(), "not sorted by path")
    }

    func testExportIsTheWholeFilesystem() throws {
        XCTAssertEqual(try docker("run", "--name", "box", "busybox", "sh", "-c", "echo exported > /note").status, 0)
        let tarball = daemon.dir + "/export.tar"
        XCTAssertEqual(try docker("export", "-o", tarball, "box").status, 0, daemon.logText())
        let list = try DaemonHarness.run([DaemonHarness.which("tar")!, "-tf", tarball])
        let names = Set(list.stdout.split(separator: "\n").map(String.init))
        for name in ["bin/busybox", "etc/passwd", "note"] { XCTAssertTrue(names.contains(name), "\(name) not in the export") }
        let note = try DaemonHarness.run([DaemonHarness.which("tar")!, "-xOf", tarball, "note"])
        XCTAssertEqual(note.stdout, "exported\n")
        // And it imports back as an image that runs.
        XCTAssertEqual(try docker("import", tarball, "reimported:1").status, 0)
        XCTAssertEqual(try docker("run", "--rm", "reimported:1", "/bin/cat", "/note").stdout, "exported\n")
    }

    func testUpdateChangesLimitsOfARunningContainer() throws {
        XCTAssertEqual(try docker("run", "-d", "--name", "box", "-m", "32m", "busybox", "sleep", "300").status, 0, daemon.logText())
        let update = try docker("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "42", "--cpus", "0.5",
                                "--restart", "on-failure:3", "box")
        XCTAssertEqual(update.status, 0, update.stderr + daemon.logText())
        let inspect = try docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", "box")
        XCTAssertEqual(inspect.stdout, "67108864 42 500000000 on-failure:3\n")
        // The container sees the new limits in its own cgroup files.
        let seen = try docker("exec", "box", "sh", "-c",
                              "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max")
        XCTAssertEqual(seen.stdout, "67108864\n42\n", seen.stderr)

        let tooSmall = try docker("update", "--memory", "1m", "box")
        XCTAssertNotEqual(tooSmall.status, 0)
        XCTAssertTrue(tooSmall.stderr.contains("Minimum memory limit allowed is 6MB"), tooSmall.stderr)
        let unknown = try docker("update", "--cpus", "1", "nope")
        XCTAssertTrue(unknown.stderr.contains("No such container: nope"), unknown.stderr)
    }
}
