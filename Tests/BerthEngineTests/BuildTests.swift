import Foundation
import Glibc
import XCTest

/// `DOCKER_BUILDKIT=0 docker build` (the classic builder's protocol) and
/// docker-py's `images.build` against a real `berth daemon`: the files each
/// Dockerfile must produce, checked by running the image; the cache; multi-stage
/// builds; errors that name the Dockerfile line.
final class BuildTests: XCTestCase {
    var daemon: DaemonHarness!
    var context: String!

    override func setUpWithError() throws {
        daemon = try DaemonHarness()
        try daemon.start()
        context = daemon.dir + "/ctx"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        daemon?.tearDown()
        if let daemon { XCTAssertEqual(daemon.mounts(), []) }
    }

    /// Writes files (path → content) under the context; a path ending in `/` is a directory.
    func write(_ files: [String: String], in root: String? = nil) throws {
        let base = root ?? context!
        for (path, content) in files {
            let full = base + "/" + path
            if path.hasSuffix("/") {
                try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
                continue
            }
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: false, encoding: .utf8)
        }
    }

    @discardableResult
    func build(_ args: [String], directory: String? = nil, expectFailure: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) throws -> DaemonHarness.Result {
        let result = try DaemonHarness.run([DaemonHarness.which("docker")!, "-H", daemon.host, "build"] + args + [directory ?? context],
                                           timeout: 240, environment: ["DOCKER_BUILDKIT": "0", "DOCKER_CONFIG": daemon.dir + "/docker-config"])
        if expectFailure {
            XCTAssertNotEqual(result.status, 0, result.stdout, file: file, line: line)
        } else {
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr + "\n--- daemon log tail:\n" + String(daemon.logText().suffix(3000)),
                           file: file, line: line)
        }
        return result
    }

    /// The output of a command run in a fresh container of `image`.
    func run(_ image: String, _ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try daemon.docker(["run", "--rm", image, "sh", "-c", script])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return result.stdout
    }

    func testCopyDirectoryAndGlobSemanticsWithDockerignoreExceptions() throws {
        try write([
            "Dockerfile": """
            FROM busybox
            COPY dir /a/
            COPY dir /b
            COPY dir/sub/deep.txt /c
            COPY *.txt /d/
            COPY dir/*.md /e/
            COPY one.txt two.txt /f/
            COPY dir /g/dir
            WORKDIR /w
            COPY one.txt rel/
            COPY --chmod=0700 --chown=1000:50 one.txt /h/one
            COPY --chown=user dir/sub /i
            COPY logs /j
            """,
            "one.txt": "1\n", "two.txt": "2\n", "three.log": "3\n",
            "dir/top.md": "top\n", "dir/readme.txt": "r\n", "dir/sub/deep.txt": "deep\n", "dir/sub/x.md": "x\n",
            "logs/keep.log": "k\n", "logs/drop.log": "d\n", "logs/other.tmp": "t\n",
            "secret/key": "s\n",
            ".dockerignore": "secret\n*.log\nlogs/*\n!logs/keep.log\n**/*.tmp\n",
        ])
        try build(["-t", "copies", "-q"])
        let listing = try run("copies", "cd / && find a b c d e f g w h i j -print | sort")
        XCTAssertEqual(listing.split(separator: "\n"), [
            "a", "a/readme.txt", "a/sub", "a/sub/deep.txt", "a/sub/x.md", "a/top.md",
            "b", "b/readme.txt", "b/sub", "b/sub/deep.txt", "b/sub/x.md", "b/top.md",
            "c",
            "d", "d/one.txt", "d/two.txt",
            "e", "e/top.md",
            "f", "f/one.txt", "f/two.txt",
            "g", "g/dir", "g/dir/readme.txt", "g/dir/sub", "g/dir/sub/deep.txt", "g/dir/sub/x.md", "g/dir/top.md",
            "h", "h/one",
            "i", "i/deep.txt", "i/x.md",
            "j", "j/keep.log",
            "w", "w/rel", "w/rel/one.txt",
        ])
        XCTAssertEqual(try run("copies", "cat /c /w/rel/one.txt"), "deep\n1\n")
        XCTAssertEqual(try run("copies", "stat -c '%a %u:%g' /h/one /i/deep.txt /a/top.md"), "700 1000:50\n644 1000:1000\n644 0:0\n")
        XCTAssertEqual(try run("copies", "ls /secret 2>&1; ls / | grep -c three || true"), "ls: /secret: No such file or directory\n0\n")
    }

    func testCacheHitOnRebuildAndMissAfterAOneFileChange() throws {
        try write([
            "Dockerfile": """
            FROM busybox
            ENV GREETING=hello
            RUN echo "run $GREETING" && echo made > /made
            COPY app /app
            RUN cat /app/main.txt > /copied
            CMD ["cat", "/copied"]
            """,
            "app/main.txt": "v1\n", "app/other.txt": "o\n",
        ])
        let first = try build(["-t", "cached"])
        XCTAssertTrue(first.stdout.contains("Step 3/6 : RUN echo \"run $GREETING\" && echo made > /made"), first.stdout)
        XCTAssertTrue(first.stdout.contains("run hello\n"), first.stdout)
        XCTAssertFalse(first.stdout.contains("Using cache"), first.stdout)
        XCTAssertTrue(first.stdout.contains("Successfully tagged cached:latest"), first.stdout)
        let id = try XCTUnwrap(first.stdout.components(separatedBy: "Successfully built ").last?.prefix(12))

        let second = try build(["-t", "cached"])
        XCTAssertEqual(second.stdout.components(separatedBy: " ---> Using cache").count - 1, 5, second.stdout)
        XCTAssertFalse(second.stdout.contains("run hello"), "a cached RUN does not run: \(second.stdout)")
        XCTAssertTrue(second.stdout.contains("Successfully built \(id)"), second.stdout)

        // mtime alone does not invalidate; content does.
        utimes(context + "/app/other.txt", nil)
        XCTAssertTrue(try build(["-t", "cached"]).stdout.contains("Successfully built \(id)"))
        try write(["app/main.txt": "v2\n"])
        let third = try build(["-t", "cached"])
        XCTAssertEqual(third.stdout.components(separatedBy: " ---> Using cache").count - 1, 2, third.stdout)
        XCTAssertFalse(third.stdout.contains("Successfully built \(id)"), third.stdout)
        XCTAssertEqual(try daemon.docker(["run", "--rm", "cached"]).stdout, "v2\n")
        XCTAssertEqual(try run("cached", "cat /made; echo $GREETING"), "made\nhello\n")

        let uncached = try build(["-t", "cached", "--no-cache"])
        XCTAssertFalse(uncached.stdout.contains("Using cache"), uncached.stdout)

        // docker builder prune drops the cache: the next build runs every step.
        let prune = try DaemonHarness.run([DaemonHarness.which("docker")!, "-H", daemon.host, "builder", "prune", "-f"],
                                          environment: ["DOCKER_BUILDKIT": "0", "DOCKER_CONFIG": daemon.dir + "/docker-config"])
        XCTAssertEqual(prune.status, 0, prune.stderr)
        XCTAssertTrue(prune.stdout.contains("Total reclaimed space"), prune.stdout)
        let afterPrune = try build(["-t", "cached"])
        XCTAssertFalse(afterPrune.stdout.contains("Using cache"), afterPrune.stdout)
        XCTAssertEqual(try daemon.docker(["run", "--rm", "cached"]).stdout, "v2\n")
    }

    func testMultiStageTargetBuildArgsLabelsAndConfig() throws {
        try write([
            "Dockerfile": """
            ARG BASE=busybox
            FROM ${BASE} AS builder
            ARG FLAVOR=plain
            RUN mkdir /out && echo "flavor=$FLAVOR" > /out/result
            FROM busybox AS unused
            RUN echo "unused stage ran" && exit 1
            FROM scratch AS final
            COPY --from=builder /out/result /result
            COPY --from=builder /bin/busybox /bin/busybox
            ENV A=1 B="two words"
            LABEL stage=final
            EXPOSE 8080 53/udp
            WORKDIR /srv/app
            USER 1000
            ENTRYPOINT ["/bin/busybox"]
            CMD ["cat", "/result"]
            FROM builder AS tester
            RUN cat /out/result
            """,
        ])
        let result = try build(["-t", "multi", "--build-arg", "FLAVOR=spicy", "--label", "built.by=test", "--target", "final"])
        XCTAssertFalse(result.stdout.contains("unused stage ran"), result.stdout)
        XCTAssertFalse(result.stdout.contains("FROM builder AS tester"), result.stdout)
        XCTAssertEqual(try daemon.docker(["run", "--rm", "multi"]).stdout, "flavor=spicy\n")
        let inspect = try daemon.docker(["image", "inspect", "-f",
                                         "{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.ExposedPorts}} {{.Config.WorkingDir}} {{.Config.User}} {{json .Config.Entrypoint}}",
                                         "multi"])
        XCTAssertEqual(inspect.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       #"["A=1","B=two words"] {"built.by":"test","stage":"final"} {"53/udp":{},"8080/tcp":{}} /srv/app 1000 ["/bin/busybox"]"#)

        let tester = try build(["-t", "tester", "--target", "tester"])
        XCTAssertTrue(tester.stdout.contains("flavor=plain"), tester.stdout)
    }

    func testCacheFromImageAndOnbuildTriggers() throws {
        try write([
            "Dockerfile": "FROM busybox\nRUN echo one > /one\nCOPY f /f\nONBUILD RUN echo triggered > /trig\n",
            "f": "content\n",
        ])
        let first = try build(["-t", "src"])
        let id = try XCTUnwrap(first.stdout.components(separatedBy: "Successfully built ").last?.prefix(12))
        let prune = try DaemonHarness.run([DaemonHarness.which("docker")!, "-H", daemon.host, "builder", "prune", "-f"],
                                          environment: ["DOCKER_CONFIG": daemon.dir + "/docker-config"])
        XCTAssertEqual(prune.status, 0, prune.stderr)
        let fromCache = try build(["-t", "again", "--cache-from", "src"])
        XCTAssertEqual(fromCache.stdout.components(separatedBy: " ---> Using cache").count - 1, 3, fromCache.stdout)
        XCTAssertFalse(fromCache.stdout.contains("Running in"), fromCache.stdout)
        XCTAssertTrue(fromCache.stdout.contains("Successfully built \(id)"), fromCache.stdout)

        let child = daemon.dir + "/child"
        try write(["Dockerfile": "FROM src\nRUN cat /trig /one\n"], in: child)
        let built = try build(["-t", "child"], directory: child)
        XCTAssertTrue(built.stdout.contains("# Executing 1 build trigger"), built.stdout)
        XCTAssertTrue(built.stdout.contains("triggered\none\n"), built.stdout)
        let onbuild = try daemon.docker(["image", "inspect", "-f", "{{json .Config.OnBuild}}", "child"])
        XCTAssertEqual(onbuild.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "null", "triggers are not inherited")
    }

    func testAddExtractsLocalTarsAndHeredocs() throws {
        try write(["payload/inner/file.txt": "inside\n"])
        let tar = try DaemonHarness.run(["/bin/tar", "-C", context + "/payload", "-czf", context + "/bundle.tar.gz", "inner"])
        XCTAssertEqual(tar.status, 0, tar.stderr)
        try FileManager.default.removeItem(atPath: context + "/payload")
        try write([
            "Dockerfile": """
            FROM busybox
            ADD bundle.tar.gz /opt/
            COPY <<EOF /etc/motd
            hello from a heredoc
            EOF
            RUN <<EOT
            echo one > /one
            echo two >> /one
            EOT
            """,
        ])
        try build(["-t", "adds"])
        XCTAssertEqual(try run("adds", "cat /opt/inner/file.txt /etc/motd /one"), "inside\nhello from a heredoc\none\ntwo\n")
    }

    func testErrorsNameTheDockerfileLine() throws {
        try write(["Dockerfile": "FROM busybox\nRUN echo starting\nRUN echo oops >&2; exit 3\nRUN echo never\n"])
        let failed = try build(["-t", "bad"], expectFailure: true)
        XCTAssertTrue(failed.stderr.contains("The command '/bin/sh -c echo oops >&2; exit 3' returned a non-zero code: 3"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("Dockerfile:3"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("oops"), failed.stderr)
        XCTAssertFalse(failed.stdout.contains("never"), failed.stdout)
        XCTAssertEqual(try daemon.docker(["ps", "-aq"]).stdout, "", "the failed step's container is removed")

        try write(["Dockerfile": "FROM busybox\nFROBNICATE now\n"])
        let unknown = try build([], expectFailure: true)
        XCTAssertTrue(unknown.stderr.contains("Dockerfile:2: unknown instruction: FROBNICATE"), unknown.stderr)

        try write(["Dockerfile": "FROM busybox\nCOPY ../outside /x\n"])
        let outside = try build([], expectFailure: true)
        XCTAssertTrue(outside.stderr.contains("Dockerfile:2"), outside.stderr)
        XCTAssertTrue(outside.stderr.contains("forbidden path outside the build context: ../outside"), outside.stderr)

        try write(["Dockerfile": "FROM busybox\nCOPY missing.txt /x\n"])
        let missing = try build([], expectFailure: true)
        XCTAssertTrue(missing.stderr.contains("Dockerfile:2: COPY failed: file not found in build context"), missing.stderr)

        try write(["Dockerfile": "FROM busybox AS one\nRUN true\n"])
        let target = try build(["--target", "two"], expectFailure: true)
        XCTAssertTrue(target.stderr.contains("target stage \"two\" could not be found"), target.stderr)
    }

    func testBerthBuildCLIAgainstTheDaemon() throws {
        try write(["Dockerfile": "FROM busybox\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n", "hello.txt": "from berth build\n"])
        let result = try DaemonHarness.run([DaemonHarness.berth, "-H", daemon.host, "build", "-t", "viacli", context])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("Step 3/3 : RUN cat /hello.txt"), result.stdout)
        XCTAssertTrue(result.stdout.contains("from berth build\n"), result.stdout)
        XCTAssertEqual(try run("viacli", "cat /hello.txt"), "from berth build\n")
    }

    func testDockerPyImagesBuild() throws {
        guard (try? DaemonHarness.run(["/usr/bin/python3", "-c", "import docker"]).status) == 0 else {
            throw XCTSkip("python docker SDK missing (pip install docker)")
        }
        try write(["Dockerfile": "FROM busybox\nARG WHO=world\nRUN echo \"hi $WHO\" > /greeting\nCMD [\"cat\", \"/greeting\"]\n"])
        let result = try daemon.python("""
        import docker
        client = docker.from_env()
        image, logs = client.images.build(path='\(context!)', tag='pyimg:1', buildargs={'WHO': 'python'}, rm=True)
        logs = list(logs)
        lines = [entry.get('stream', '') for entry in logs]
        assert any(l.startswith('Step 3/4 : RUN') for l in lines), lines
        assert 'pyimg:1' in image.tags, image.tags
        ids = [entry['aux']['ID'] for entry in logs if 'aux' in entry]
        assert ids == [image.id], (ids, image.id)
        out = client.containers.run('pyimg:1', remove=True)
        assert out == b'hi python\\n', out
        image2, logs2 = client.images.build(path='\(context!)', tag='pyimg:1', buildargs={'WHO': 'python'})
        logs2 = list(logs2)
        assert image2.id == image.id
        assert any('Using cache' in entry.get('stream', '') for entry in logs2)
        try:
            client.images.build(fileobj=__import__('io').BytesIO(b'FROM busybox\\nRUN exit 7\\n'), tag='fails')
            raise SystemExit('expected BuildError')
        except docker.errors.BuildError as e:
            assert 'returned a non-zero code: 7' in str(e), str(e)
        print('OK')
        """)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr + "\n--- daemon log tail:\n" + String(daemon.logText().suffix(3000)))
        XCTAssertTrue(result.stdout.hasSuffix("OK\n"), result.stdout)
    }
}
