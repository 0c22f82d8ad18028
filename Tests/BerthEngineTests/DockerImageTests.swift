import BerthTestSupport
import Foundation
import XCTest

/// The image routes of a real `berth daemon` over its real image store,
/// driven by the unmodified docker CLI and docker-py, against a real
/// registry (Debian's docker-registry from tests/fixtures): pull, list,
/// inspect, run, tag, rmi, save/load, push, import, and docker's errors.
final class DockerImageTests: XCTestCase {
    var daemon: DaemonHarness!
    var registry: TestRegistry?

    override func setUpWithError() throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        daemon = try DaemonHarness()
        try daemon.start()
    }

    override func tearDownWithError() throws {
        registry?.stop()
        let daemon = self.daemon
        daemon?.tearDown()
        if let daemon { XCTAssertEqual(daemon.mounts(), [], "mounts left behind") }
    }

    func startRegistry(_ images: [String] = ["busybox"]) throws -> TestRegistry {
        let started = try TestRegistry.start(mode: .plain, images: images)
        registry = started
        return started
    }

    /// Runs docker and fails the test (with the daemon's log) unless it exits 0.
    @discardableResult
    func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try daemon.docker(args, timeout: 120)
        XCTAssertEqual(result.status, 0, "docker \(args.joined(separator: " ")): \(result.stderr)\n--- daemon log tail:\n"
                       + String(daemon.logText().suffix(3000)), file: file, line: line)
        return result.stdout
    }

    func testPullShowsProgressListsAndRuns() throws {
        let registry = try startRegistry()
        let name = "\(registry.host)/busybox:latest"
        let pull = try ok(["pull", name])
        // dockerd's graph-driver wording: FamiliarName (the containerd store
        // writes the path, "Pulling from busybox").
        for line in ["latest: Pulling from \(registry.host)/busybox", ": Pulling fs layer", ": Pull complete",
                     "Digest: \(registry.images["busybox:latest"] ?? "?")", "Status: Downloaded newer image for \(name)"] {
            XCTAssertTrue(pull.contains(line), "missing \"\(line)\" in:\n\(pull)")
        }
        XCTAssertTrue(pull.hasSuffix("\(name)\n"), pull)

        let id = try ok(["image", "inspect", "-f", "{{.Id}}", name]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(id.hasPrefix("sha256:") && id.count == 71, id)
        let listed = try ok(["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", "--filter", "reference=\(registry.host)/*"])
        XCTAssertEqual(listed, "\(name) \(id)\n")
        XCTAssertEqual(try ok(["images", "-q", "--filter", "dangling=true"]), "")
        let digests = try ok(["image", "inspect", "-f", "{{json .RepoDigests}} {{.Os}}/{{.Architecture}} {{json .Config.Cmd}}", name])
        XCTAssertEqual(digests, "[\"\(registry.host)/busybox@\(registry.images["busybox:latest"] ?? "?")\"] linux/amd64 [\"sh\"]\n")
        // The unpacked size: Debian's busybox binary plus a few small files.
        let size = Int64(try ok(["image", "inspect", "-f", "{{.Size}}", name]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let binary = (try FileManager.default.attributesOfItem(atPath: "/bin/busybox")[.size] as? NSNumber)?.int64Value ?? 0
        XCTAssertTrue(size >= binary && size < binary + 64 * 1024, "size \(size) for a busybox of \(binary) bytes")
        let history = try ok(["history", "-q", "--no-trunc", name])
        XCTAssertTrue(history.hasPrefix(id + "\n"), history)

        XCTAssertEqual(try ok(["run", "--rm", name, "echo", "hi"]), "hi\n")
        let again = try ok(["pull", name])
        XCTAssertTrue(again.contains("Status: Image is up to date for \(name)"), again)
    }

    func testPullErrorsAreDockers() throws {
        let registry = try startRegistry()
        let missing = try daemon.docker(["pull", "\(registry.host)/busybox:nope"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("Error response from daemon: manifest for \(registry.host)/busybox:nope not found"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("manifest unknown"), missing.stderr)

        let inspect = try daemon.docker(["image", "inspect", "nope"])
        XCTAssertEqual(inspect.status, 1)
        XCTAssertTrue(inspect.stderr.contains("No such image: nope"), inspect.stderr)
        let rmi = try daemon.docker(["rmi", "nope"])
        XCTAssertNotEqual(rmi.status, 0)
        XCTAssertTrue(rmi.stderr.contains("No such image: nope"), rmi.stderr)
        let tag = try daemon.docker(["tag", "nope", "other:v1"])
        XCTAssertTrue(tag.stderr.contains("No such image: nope"), tag.stderr)
        let push = try daemon.docker(["push", "\(registry.host)/absent:v1"])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("An image does not exist locally with the tag: \(registry.host)/absent"), push.stderr)
    }

    func testTagAndRemoveRefusedWhileAContainerUsesTheImage() throws {
        let id = try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["tag", "busybox", "mine:v1"])
        // The docker CLI groups an image's tags by repository in a Go map:
        // the order of the rows is not fixed, with dockerd too.
        let rows = try ok(["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        XCTAssertEqual(rows.split(separator: "\n").sorted(), ["busybox:latest \(id)", "mine:v1 \(id)"])
        XCTAssertEqual(try ok(["rmi", "mine:v1"]), "Untagged: mine:v1\n")

        let container = try ok(["create", "--name", "user", "busybox", "true"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let byName = try daemon.docker(["rmi", "busybox"])
        XCTAssertNotEqual(byName.status, 0)
        XCTAssertTrue(byName.stderr.contains("conflict: unable to remove repository reference \"busybox\" (must force) - container \(container.prefix(12)) is using its referenced image"), byName.stderr)
        let byID = try daemon.docker(["rmi", String(id.dropFirst(7).prefix(12))])
        XCTAssertNotEqual(byID.status, 0)
        XCTAssertTrue(byID.stderr.contains("image is being used by container \(container.prefix(12))"), byID.stderr)
        XCTAssertEqual(try ok(["images", "-q"]), String(id.dropFirst(7).prefix(12)) + "\n")

        try ok(["rm", "user"])
        XCTAssertEqual(try ok(["rmi", "busybox"]), "Untagged: busybox:latest\nDeleted: \(id)\n")
        XCTAssertEqual(try ok(["images", "-q"]), "")
        XCTAssertTrue(try daemon.docker(["image", "inspect", "busybox"]).stderr.contains("No such image: busybox"))
    }

    func testSaveLoadRoundTrip() throws {
        let id = try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"])
        let archive = daemon.dir + "/saved.tar"
        try ok(["save", "-o", archive, "busybox"])
        try ok(["rmi", "busybox"])
        XCTAssertEqual(try ok(["images", "-q"]), "")
        let load = try ok(["load", "-i", archive])
        XCTAssertTrue(load.contains("Loaded image: busybox:latest"), load)
        XCTAssertEqual(try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"]), id)
        // Through pipes, as `docker save | docker load`, under another daemon's CLI call.
        let docker = DaemonHarness.which("docker")!
        let piped = try DaemonHarness.run(["/bin/sh", "-c", "\(docker) -H \(daemon.host) save busybox | \(docker) -H \(daemon.host) load"],
                                          environment: ["DOCKER_CONFIG": daemon.dir + "/docker-config"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stdout.contains("Loaded image: busybox:latest"), piped.stdout)
        XCTAssertEqual(try ok(["run", "--rm", "busybox", "sh", "-c", "echo $IMAGE_VAR"]), "from-image\n")
    }

    func testPushThenPullBackUnderAnotherName() throws {
        let registry = try startRegistry([])
        let id = try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"])
        let pushed = "\(registry.host)/pushed/box:v1"
        try ok(["tag", "busybox", pushed])
        let push = try ok(["push", pushed])
        for line in ["The push refers to repository [\(registry.host)/pushed/box]", ": Pushed", "v1: digest: sha256:"] {
            XCTAssertTrue(push.contains(line), "missing \"\(line)\" in:\n\(push)")
        }
        let again = try ok(["push", pushed])
        XCTAssertTrue(again.contains(": Layer already exists"), again)

        try ok(["rmi", pushed])
        try ok(["rmi", "busybox"])
        let pull = try ok(["pull", pushed])
        XCTAssertTrue(pull.contains("Status: Downloaded newer image for \(pushed)"), pull)
        XCTAssertEqual(try ok(["image", "inspect", "-f", "{{.Id}}", pushed]), id, "the ID survives push and pull")
        XCTAssertEqual(try ok(["run", "--rm", pushed, "echo", "round", "trip"]), "round trip\n")
    }

    func testImportWithChanges() throws {
        let layer = daemon.dir + "/busybox-image/archive/layer.tar"
        let imported = try ok(["import", "--change", "CMD [\"echo\", \"imported\"]", "--change", "ENV FROM_IMPORT=yes",
                               "-m", "from a tarball", layer, "imported:v1"])
        XCTAssertTrue(imported.hasPrefix("sha256:"), imported)
        XCTAssertEqual(try ok(["run", "--rm", "imported:v1"]), "imported\n")
        XCTAssertEqual(try ok(["run", "--rm", "imported:v1", "sh", "-c", "echo $FROM_IMPORT"]), "yes\n")
        XCTAssertEqual(try ok(["history", "--format", "{{.Comment}}", "imported:v1"]), "from a tarball\n")
    }

    /// `--registry-mirror`: `docker pull busybox` (docker.io/library/busybox)
    /// is served by the mirror, never reaching Docker Hub.
    func testRegistryMirrorServesDockerHubPulls() throws {
        let registry = try startRegistry([])
        let id = try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"])
        try ok(["tag", "busybox", "\(registry.host)/library/busybox:latest"])
        try ok(["push", "\(registry.host)/library/busybox:latest"])
        daemon.stopDaemon()
        try daemon.start(extra: ["--registry-mirror", registry.url, "--insecure-registry", "10.0.0.0/8"])
        try ok(["rmi", "\(registry.host)/library/busybox:latest"])
        try ok(["rmi", "busybox"])
        let pull = try ok(["pull", "busybox"])
        XCTAssertTrue(pull.contains("Status: Downloaded newer image for busybox:latest"), pull)
        XCTAssertEqual(try ok(["image", "inspect", "-f", "{{.Id}}", "busybox"]), id)
    }

    func testDockerPyPullListGet() throws {
        guard (try? DaemonHarness.run(["/usr/bin/python3", "-c", "import docker"]).status) == 0 else {
            throw XCTSkip("python docker SDK missing (pip install docker)")
        }
        let registry = try startRegistry()
        let result = try daemon.python("""
        import docker
        client = docker.from_env()
        # The raw stream: dockerd's statuses, byte counts in progressDetail.
        events = list(client.api.pull('\(registry.host)/busybox', tag='latest', stream=True, decode=True))
        assert events[0] == {'status': 'Pulling from \(registry.host)/busybox', 'id': 'latest'}, events[0]
        down = [e for e in events if e.get('status') == 'Downloading']
        assert down and down[-1]['progressDetail']['current'] == down[-1]['progressDetail']['total'] > 0, events
        statuses = [e.get('status') for e in events]
        assert 'Pulling fs layer' in statuses and 'Download complete' in statuses and 'Pull complete' in statuses, statuses
        assert statuses[-1] == 'Status: Downloaded newer image for \(registry.host)/busybox:latest', statuses
        client.images.remove('\(registry.host)/busybox:latest')
        image = client.images.pull('\(registry.host)/busybox', tag='latest')
        assert image.tags == ['\(registry.host)/busybox:latest'], image.tags
        assert image.id.startswith('sha256:'), image.id
        listed = {t for i in client.images.list() for t in i.tags}
        assert listed == {'busybox:latest', '\(registry.host)/busybox:latest'}, listed
        got = client.images.get('\(registry.host)/busybox:latest')
        assert got.id == image.id and got.tags == image.tags, (got.id, got.tags)
        assert got.attrs['Config']['Cmd'] == ['sh'], got.attrs['Config']
        try:
            client.images.get('nope')
            raise SystemExit('no error for a missing image')
        except docker.errors.ImageNotFound as e:
            assert 'No such image: nope' in str(e), str(e)
        try:
            client.images.pull('\(registry.host)/busybox', tag='nope')
            raise SystemExit('no error for a missing tag')
        except docker.errors.NotFound as e:
            assert 'manifest unknown' in str(e), str(e)
        client.images.remove('\(registry.host)/busybox:latest')
        assert {t for i in client.images.list() for t in i.tags} == {'busybox:latest'}
        print('OK')
        """)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr + "\n--- daemon log tail:\n" + String(daemon.logText().suffix(3000)))
        XCTAssertTrue(result.stdout.hasSuffix("OK\n"), result.stdout)
    }

    func testLoginChecksCredentialsWithTheRegistryThenPushAndPullUseThem() throws {
        let registry = try TestRegistry.start(mode: .basic, images: [])
        self.registry = registry
        let wrong = try daemon.docker(["login", "-u", registry.username!, "--password-stdin", registry.host], stdin: "not-the-password\n")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("401") || wrong.stderr.lowercased().contains("unauthorized"), wrong.stderr)
        let login = try daemon.docker(["login", "-u", registry.username!, "--password-stdin", registry.host], stdin: registry.password! + "\n")
        XCTAssertEqual(login.status, 0, login.stderr + daemon.logText())
        XCTAssertTrue(login.stdout.contains("Login Succeeded"), login.stdout)
        // The CLI keeps the credentials and sends them with each push and pull.
        let config = try String(contentsOfFile: daemon.dir + "/docker-config/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains(registry.host), config)
        try ok(["tag", "busybox", "\(registry.host)/mine/busybox:1"])
        try ok(["push", "\(registry.host)/mine/busybox:1"])
        try ok(["rmi", "\(registry.host)/mine/busybox:1"])
        try ok(["pull", "\(registry.host)/mine/busybox:1"])
        try ok(["logout", registry.host])
        try ok(["rmi", "\(registry.host)/mine/busybox:1"])
        // Without them the registry refuses (the CLI then offers to log in).
        let anonymous = try daemon.docker(["pull", "\(registry.host)/mine/busybox:1"], stdin: "\n\n", timeout: 20)
        XCTAssertTrue(anonymous.stderr.contains("401") || anonymous.stdout.contains("Login prior to pull"), anonymous.stdout + anonymous.stderr)
        XCTAssertNotEqual(try daemon.docker(["image", "inspect", "\(registry.host)/mine/busybox:1"]).status, 0, "pulled without credentials")
    }

    func testSystemDfCountsImagesContainersAndVolumes() throws {
        try ok(["run", "--name", "writer", "-v", "dfdata:/data", "busybox", "sh", "-c",
                "dd if=/dev/zero of=/data/v bs=1024 count=64 2>/dev/null; dd if=/dev/zero of=/w bs=1024 count=32 2>/dev/null"])
        let lines = try ok(["system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}"])
        XCTAssertTrue(lines.contains("Images 1 1"), lines)
        XCTAssertTrue(lines.contains("Containers 1 0"), lines)
        XCTAssertTrue(lines.contains("Local Volumes 1 1"), lines)
        let sizes = try ok(["ps", "-a", "-s", "--format", "{{.Size}}"])
        XCTAssertTrue(sizes.hasPrefix("32.8kB"), sizes)
        let volumes = try ok(["system", "df", "-v", "--format", "{{json .Volumes}}"])
        XCTAssertTrue(volumes.contains("\"Size\":\"65.54kB\"") || volumes.contains("65.54kB"), volumes)
    }
}
