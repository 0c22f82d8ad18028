import BerthTestSupport
import Foundation
import XCTest

/// `/events` of a real `berth daemon` as the docker CLI and docker-py see
/// it: the image, network, volume and container events dockerd emits, in
/// order, with its actors and attributes, and its filters. Each test reads
/// the history between two instants (`--since`/`--until` in the past), so
/// nothing waits for live events.
final class EventsTests: XCTestCase {
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

    @discardableResult
    func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try daemon.docker(args, timeout: 120)
        XCTAssertEqual(result.status, 0, "docker \(args.joined(separator: " ")): \(result.stderr)\n--- daemon log tail:\n"
                       + String(daemon.logText().suffix(3000)), file: file, line: line)
        return result.stdout
    }

    static func now() -> String { String(format: "%.6f", Date().timeIntervalSince1970) }

    /// `docker events` between `since` and now, one line per event:
    /// "Type Action ActorID key=value…" with the given attributes.
    func events(since: String, filters: [String], attributes: [String]) throws -> [String] {
        // The daemon's clock is this machine's: a moment later is past for it too.
        Thread.sleep(forTimeInterval: 0.01)
        let until = Self.now()
        let format = "{{.Type}} {{.Action}} {{.Actor.ID}}" + attributes.map { " \($0)={{index .Actor.Attributes \"\($0)\"}}" }.joined()
        let output = try ok(["events", "--since", since, "--until", until, "--format", format] + filters.flatMap { ["--filter", $0] })
        return output.split(separator: "\n").map(String.init)
    }

    func id(_ image: String) throws -> String {
        try ok(["image", "inspect", "-f", "{{.Id}}", image]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testImageEventsOfPullTagPushSaveLoadImportRemoveAndPrune() throws {
        if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        self.registry = registry
        let since = Self.now()
        let pulled = "\(registry.host)/busybox:latest"
        try ok(["pull", pulled])
        let image = try id(pulled)
        XCTAssertNotEqual(image, try id("busybox"), "the registry's busybox must not be the harness's")
        try ok(["tag", pulled, "evimg:v1"])
        try ok(["tag", pulled, "\(registry.host)/evpush:v2"])
        try ok(["push", "\(registry.host)/evpush:v2"])
        let archive = daemon.dir + "/ev.tar"
        try ok(["save", "-o", archive, "evimg:v1"])
        try ok(["rmi", "evimg:v1", "\(registry.host)/evpush:v2", pulled])
        try ok(["load", "-i", archive])
        let rootfs = daemon.dir + "/rootfs.tar"
        XCTAssertEqual(try DaemonHarness.run(["/bin/tar", "-C", "/bin", "-cf", rootfs, "busybox"]).status, 0)
        let imported = try ok(["import", rootfs]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(imported.hasPrefix("sha256:"), imported)
        try ok(["image", "prune", "-f"])

        let seen = try events(since: since, filters: ["type=image"], attributes: ["name"])
        XCTAssertEqual(Array(seen.prefix(7)), [
            "image pull \(pulled) name=\(registry.host)/busybox",
            "image tag \(image) name=evimg:v1",
            "image tag \(image) name=\(registry.host)/evpush:v2",
            "image push \(registry.host)/evpush:v2 name=\(registry.host)/evpush",
            "image save \(image) name=\(image)",
            "image untag \(image) name=evimg:v1",
            "image untag \(image) name=\(registry.host)/evpush:v2",
        ], seen.joined(separator: "\n"))
        // The last tag goes with the repo digests pull and push recorded, then the image.
        let lastNames = Set(seen.dropFirst(7).prefix(3).map { line -> String in
            line.hasPrefix("image untag \(image) name=\(registry.host)/evpush@sha256:") ? "evpush@…" : line
        })
        XCTAssertEqual(lastNames, [
            "image untag \(image) name=\(pulled)",
            "image untag \(image) name=\(registry.host)/busybox@\(registry.images["busybox:latest"] ?? "?")",
            "evpush@…",
        ], seen.joined(separator: "\n"))
        XCTAssertEqual(Array(seen.dropFirst(10)), [
            "image delete \(image) name=\(image)",
            "image load \(image) name=\(image)",
            "image import \(imported) name=\(imported)",
            "image delete \(imported) name=\(imported)",
            "image prune  name=",
        ], seen.joined(separator: "\n"))

        // `image=` matches an image event's ID or name, with or without its tag.
        XCTAssertEqual(try events(since: since, filters: ["image=evimg"], attributes: ["name"]), [
            "image tag \(image) name=evimg:v1", "image untag \(image) name=evimg:v1",
        ])
        XCTAssertEqual(try events(since: since, filters: ["image=\(imported)"], attributes: []), [
            "image import \(imported)", "image delete \(imported)",
        ])
        XCTAssertEqual(try events(since: since, filters: ["type=image", "event=pull", "event=push"], attributes: []), [
            "image pull \(pulled)", "image push \(registry.host)/evpush:v2",
        ])
        // The prune's reclaimed bytes: the imported image's size.
        let prune = try events(since: since, filters: ["event=prune"], attributes: ["reclaimed"])
        XCTAssertEqual(prune.count, 1, "\(prune)")
        XCTAssertTrue(prune.first?.hasPrefix("image prune  reclaimed=") == true && prune.first != "image prune  reclaimed=0", "\(prune)")
    }

    func testNetworkAndVolumeEventsOfAContainersLife() throws {
        let since = Self.now()
        let network = try ok(["network", "create", "evnet"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["volume", "create", "evvol"])
        let container = try ok(["run", "-d", "--name", "evc", "--network", "evnet", "-v", "evvol:/data", "-v", "/data2",
                                "busybox", "sleep", "300"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let anonymous = try ok(["inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/data2\"}}{{.Name}}{{end}}{{end}}", "evc"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(anonymous.count, 64, anonymous)
        try ok(["network", "connect", "bridge", "evc"])
        try ok(["stop", "-t", "0", "evc"])
        try ok(["rm", "-v", "evc"])
        try ok(["network", "rm", "evnet"])
        try ok(["volume", "rm", "evvol"])
        try ok(["network", "prune", "-f"])
        try ok(["volume", "prune", "-f"])
        let bridge = try ok(["network", "inspect", "-f", "{{.Id}}", "bridge"]).trimmingCharacters(in: .whitespacesAndNewlines)

        let networks = try events(since: since, filters: ["type=network"], attributes: ["name", "type", "container"])
        // Endpoints are unplugged in no particular order at stop.
        XCTAssertEqual(Array(networks.prefix(3)), [
            "network create \(network) name=evnet type=bridge container=",
            "network connect \(network) name=evnet type=bridge container=\(container)",
            "network connect \(bridge) name=bridge type=bridge container=\(container)",
        ])
        XCTAssertEqual(Set(networks.dropFirst(3).prefix(2)), [
            "network disconnect \(network) name=evnet type=bridge container=\(container)",
            "network disconnect \(bridge) name=bridge type=bridge container=\(container)",
        ])
        XCTAssertEqual(Array(networks.dropFirst(5)), [
            "network destroy \(network) name=evnet type=bridge container=",
            "network prune  name= type= container=",
        ])

        let volumes = try events(since: since, filters: ["type=volume"], attributes: ["driver", "container", "destination", "read/write"])
        XCTAssertEqual(volumes, [
            "volume create evvol driver=local container= destination= read/write=",
            "volume create \(anonymous) driver=local container= destination= read/write=",
            "volume mount evvol driver=local container=\(container) destination=/data read/write=true",
            "volume mount \(anonymous) driver=local container=\(container) destination=/data2 read/write=true",
            "volume unmount evvol driver=local container=\(container) destination= read/write=",
            "volume unmount \(anonymous) driver=local container=\(container) destination= read/write=",
            "volume destroy \(anonymous) driver=local container= destination= read/write=",
            "volume destroy evvol driver=local container= destination= read/write=",
            "volume prune  driver= container= destination= read/write=",
        ])

        // network= and volume= match the actor's ID or name by prefix, and
        // leave out every event of another actor (containers' too).
        XCTAssertEqual(try events(since: since, filters: ["network=evn"], attributes: []), [
            "network create \(network)", "network connect \(network)", "network disconnect \(network)", "network destroy \(network)",
        ])
        XCTAssertEqual(try events(since: since, filters: ["volume=evvol", "event=mount"], attributes: []), ["volume mount evvol"])
        let containerOnly = try events(since: since, filters: ["container=evc"], attributes: [])
        XCTAssertEqual(Set(containerOnly.map { $0.split(separator: " ")[0] }), ["container"], "\(containerOnly)")
        // `stop -t 0` as dockerd: the stop signal, then SIGKILL (sleep as
        // pid 1 ignores SIGTERM), each a kill event.
        XCTAssertEqual(try events(since: since, filters: ["container=evc", "event=kill"], attributes: ["signal"]), [
            "container kill \(container) signal=15", "container kill \(container) signal=9",
        ])
        // A container event's image attribute answers `image=`.
        let byImage = try events(since: since, filters: ["image=busybox", "event=create"], attributes: ["name"])
        XCTAssertEqual(byImage, ["container create \(container) name=evc"])
    }

    func testContainerEventsOfTopCopyExportAttachResizeAndPrune() throws {
        guard (try? DaemonHarness.run(["/usr/bin/python3", "-c", "import docker"]).status) == 0 else {
            throw XCTSkip("python docker SDK missing (pip install docker)")
        }
        let script = """
        import docker, io, tarfile, time
        client = docker.from_env()
        since = time.time()
        c = client.containers.run('busybox', ['sleep', '300'], detach=True, name='evtop', labels={'ev': 'yes'})
        c.top()
        bits, stat = c.get_archive('/etc/hostname')
        b''.join(bits)
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode='w') as tar:
            info = tarfile.TarInfo('put.txt')
            info.size = 2
            tar.addfile(info, io.BytesIO(b'hi'))
        assert c.put_archive('/tmp', data.getvalue())
        b''.join(c.export())
        c.attach(stream=False, logs=True)
        client.api.resize(c.id, 20, 40)
        c.stop(timeout=0)
        report = client.containers.prune()
        assert report['ContainersDeleted'] == [c.id], report
        until = time.time() + 0.01
        time.sleep(0.02)
        seen = [(e['Type'], e['Action'], e['Actor']['ID'], e['Actor']['Attributes'].get('name'))
                for e in client.events(since=since, until=until, decode=True, filters={'label': 'ev=yes'})]
        wanted = ['create', 'start', 'top', 'archive-path', 'extract-to-dir', 'export', 'attach', 'resize', 'kill', 'kill', 'die', 'stop', 'destroy']
        assert [a for _, a, _, _ in seen] == wanted, seen
        assert all(t == 'container' and i == c.id and n == 'evtop' for t, _, i, n in seen), seen
        resize = [e for e in client.events(since=since, until=until, decode=True, filters={'event': 'resize'})]
        assert [(e['Actor']['Attributes']['height'], e['Actor']['Attributes']['width']) for e in resize] == [('20', '40')], resize
        prune = [e for e in client.events(since=since, until=until, decode=True, filters={'type': 'container', 'event': 'prune'})]
        assert [(e['Actor']['ID'], e['Actor']['Attributes']) for e in prune] == [('', {'reclaimed': '0'})], prune
        # Live: a subscriber sees only the type it asked for, as it happens.
        live = client.events(decode=True, filters={'type': 'network'})
        client.volumes.create('evlive')
        n = client.networks.create('evlive')
        e = next(live)
        assert (e['Type'], e['Action'], e['Actor']['ID'], e['Actor']['Attributes']) == ('network', 'create', n.id, {'name': 'evlive', 'type': 'bridge'}), e
        n.remove()
        client.volumes.get('evlive').remove()
        assert next(live)['Action'] == 'destroy'
        live.close()
        print('OK')
        """
        let result = try daemon.python(script)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr + "\n--- daemon log tail:\n" + String(daemon.logText().suffix(3000)))
        XCTAssertTrue(result.stdout.hasSuffix("OK\n"), result.stdout)
    }
}
