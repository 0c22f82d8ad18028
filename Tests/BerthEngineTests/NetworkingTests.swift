import Foundation
import XCTest

/// Networks and volumes through the docker CLI against a real daemon:
/// real bridges, veths, nftables, the embedded DNS and bind mounts.
final class NetworkingTests: XCTestCase {
    var daemon: DaemonHarness!
    var cleanups: [() -> Void] = []

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft") else { throw XCTSkip("nft missing: install nftables") }
        daemon = try DaemonHarness()
        try daemon.start()
    }

    override func tearDownWithError() throws {
        cleanups.reversed().forEach { $0() }
        daemon?.tearDown()
    }

    func ok(_ args: [String], _ file: StaticString = #filePath, _ line: UInt = #line) throws -> String {
        let result = try daemon.docker(args)
        XCTAssertEqual(result.status, 0, "docker \(args.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func sh(_ command: String) throws -> DaemonHarness.Result {
        try DaemonHarness.run(["/bin/sh", "-c", command])
    }

    func testContainersOnAUserNetworkReachEachOtherByNameAndAlias() throws {
        _ = try ok(["network", "create", "--label", "tier=back", "appnet"])
        XCTAssertEqual(try daemon.docker(["network", "create", "appnet"]).stderr.contains("network with name appnet already exists"), true)
        _ = try ok(["run", "-d", "--name", "db", "--network", "appnet", "--network-alias", "database", "busybox", "sleep", "300"])
        _ = try ok(["run", "-d", "--name", "web", "--network", "appnet", "busybox", "sleep", "300"])
        XCTAssertEqual(try ok(["exec", "web", "ping", "-c", "1", "-W", "2", "db"]).contains("1 packets received"), true)
        XCTAssertEqual(try ok(["exec", "web", "ping", "-c", "1", "-W", "2", "database"]).contains("1 packets received"), true)
        let dbIP = try ok(["inspect", "-f", "{{.NetworkSettings.Networks.appnet.IPAddress}}", "db"])
        XCTAssertFalse(dbIP.isEmpty)
        XCTAssertTrue(try ok(["exec", "web", "nslookup", "db", "127.0.0.11"]).contains(dbIP))
        let resolv = try ok(["exec", "web", "cat", "/etc/resolv.conf"])
        XCTAssertTrue(resolv.contains("nameserver 127.0.0.11"), resolv)
        XCTAssertTrue(try ok(["exec", "db", "cat", "/etc/hosts"]).contains(dbIP))
        let inspect = try ok(["network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}{{index .Labels \"tier\"}}", "appnet"])
        XCTAssertTrue(inspect.contains("db") && inspect.contains("web") && inspect.hasSuffix("back"), inspect)
        XCTAssertTrue(try ok(["network", "ls", "--format", "{{.Name}}"]).split(separator: "\n").contains("appnet"))

        let inUse = try daemon.docker(["network", "rm", "appnet"])
        XCTAssertNotEqual(inUse.status, 0)
        XCTAssertTrue(inUse.stderr.contains("has active endpoints"), inUse.stderr)

        // A fixed address on a network with a user subnet; connect a running container to it.
        _ = try ok(["network", "create", "--subnet", "10.231.7.0/24", "--gateway", "10.231.7.1", "fixed"])
        _ = try ok(["run", "-d", "--name", "pinned", "--network", "fixed", "--ip", "10.231.7.50", "busybox", "sleep", "300"])
        XCTAssertEqual(try ok(["inspect", "-f", "{{.NetworkSettings.Networks.fixed.IPAddress}}", "pinned"]), "10.231.7.50")
        XCTAssertFalse(try daemon.docker(["exec", "web", "ping", "-c", "1", "-W", "1", "10.231.7.50"]).stdout.contains("1 packets received"),
                       "networks must be isolated from each other")
        _ = try ok(["network", "connect", "--alias", "second", "fixed", "web"])
        XCTAssertTrue(try ok(["exec", "pinned", "ping", "-c", "1", "-W", "2", "second"]).contains("1 packets received"))
        XCTAssertTrue(try ok(["exec", "web", "ip", "-o", "-4", "addr"]).contains("10.231.7."))
        _ = try ok(["network", "disconnect", "fixed", "web"])
        XCTAssertFalse(try ok(["exec", "web", "ip", "-o", "-4", "addr"]).contains("10.231.7."))

        // The default bridge: outbound route, no embedded DNS.
        _ = try ok(["run", "-d", "--name", "plain", "busybox", "sleep", "300"])
        XCTAssertTrue(try ok(["exec", "plain", "ip", "route"]).contains("default via"))
        XCTAssertFalse(try ok(["exec", "plain", "cat", "/etc/resolv.conf"]).contains("127.0.0.11"))
        _ = try ok(["rm", "-f", "db", "web", "pinned", "plain"])
        _ = try ok(["network", "rm", "appnet", "fixed"])
        XCTAssertEqual(try daemon.docker(["network", "inspect", "appnet"]).status, 1)
    }

    func testPublishedPortFromHostAndFromAnOutsideNamespace() throws {
        _ = try ok(["run", "-d", "--name", "site", "-p", "18080:80", "busybox", "sh", "-c",
                    "mkdir -p /www && echo hello-from-berth > /www/index.html && exec httpd -f -p 80 -h /www"])
        XCTAssertEqual(try ok(["port", "site", "80"]), "0.0.0.0:18080")
        XCTAssertEqual(try ok(["inspect", "-f", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "site"]), "18080")
        XCTAssertTrue(try ok(["ps", "--format", "{{.Ports}}"]).contains("0.0.0.0:18080->80/tcp"))
        func fetch(_ url: String, netns: String? = nil) throws -> String {
            let prefix = netns.map { "ip netns exec \($0) " } ?? ""
            var last = ""
            for _ in 0..<30 {
                let result = try Self.sh("\(prefix)curl -fsS -m 2 \(url)")
                if result.status == 0 { return result.stdout }
                last = result.stderr
                usleep(200_000)
            }
            return last
        }
        XCTAssertEqual(try fetch("http://127.0.0.1:18080/"), "hello-from-berth\n")
        // The host's own address (first global IPv4 not on a berth bridge).
        let addresses = try Self.sh("ip -4 -o addr show scope global | grep -v ' bt\\| br-\\| berth' | awk '{print $4}' | cut -d/ -f1").stdout
        if let own = addresses.split(separator: "\n").first {
            XCTAssertEqual(try fetch("http://\(own):18080/"), "hello-from-berth\n")
        }

        // An "outside machine": a namespace with a veth to the host.
        let tag = String(daemon.dir.suffix(6))
        let ns = "bto-" + tag, hostEnd = "bto" + tag, peer = "btp" + tag
        cleanups.append { _ = try? Self.sh("ip netns del \(ns); ip link del \(hostEnd) 2>/dev/null") }
        let setup = try Self.sh("""
            set -e; ip netns add \(ns); ip link add \(hostEnd) type veth peer name \(peer); ip link set \(peer) netns \(ns)
            ip addr add 10.252.9.1/30 dev \(hostEnd); ip link set \(hostEnd) up
            ip netns exec \(ns) ip addr add 10.252.9.2/30 dev \(peer); ip netns exec \(ns) ip link set \(peer) up
            ip netns exec \(ns) ip link set lo up; ip netns exec \(ns) ip route add default via 10.252.9.1
            """)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        XCTAssertEqual(try fetch("http://10.252.9.1:18080/", netns: ns), "hello-from-berth\n")

        // A taken host port is refused with docker's words.
        let taken = try daemon.docker(["run", "-d", "-p", "18080:80", "busybox", "sleep", "30"])
        XCTAssertNotEqual(taken.status, 0)
        XCTAssertTrue(taken.stderr.contains("port is already allocated"), taken.stderr)

        // -P picks free host ports for the exposed ones.
        _ = try ok(["run", "-d", "--name", "any", "--expose", "7000", "-P", "busybox", "sleep", "300"])
        XCTAssertTrue(try ok(["port", "any", "7000"]).hasPrefix("0.0.0.0:"))

        _ = try ok(["rm", "-f", "site"])
        XCTAssertNotEqual(try Self.sh("curl -fsS -m 1 http://127.0.0.1:18080/").status, 0, "the rule outlived its container")
    }

    func testNetworkNoneHasOnlyLoopbackAndHostSharesTheHost() throws {
        let links = try ok(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net"])
        XCTAssertEqual(links, "lo")
        let bridged = try ok(["run", "--rm", "busybox", "sh", "-c", "ls /sys/class/net"])
        XCTAssertEqual(bridged.split(separator: "\n").sorted(), ["eth0", "lo"])
        let hostLinks = try ok(["run", "--rm", "--network", "host", "busybox", "sh", "-c", "ls /sys/class/net"])
        XCTAssertTrue(hostLinks.contains(daemon.bridge), hostLinks)
        _ = try ok(["run", "-d", "--name", "owner", "busybox", "sleep", "300"])
        let ownerIP = try ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "owner"])
        XCTAssertTrue(try ok(["run", "--rm", "--network", "container:owner", "busybox", "ip", "-o", "-4", "addr"]).contains(ownerIP))
        let hosts = try ok(["run", "--rm", "--add-host", "printer.lan:10.9.8.7", "--dns", "10.1.1.1", "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf"])
        XCTAssertTrue(hosts.contains("10.9.8.7\tprinter.lan"), hosts)
        XCTAssertTrue(hosts.contains("nameserver 10.1.1.1"), hosts)
    }

    func testVolumesPersistAndAreProtectedWhileInUse() throws {
        _ = try ok(["volume", "create", "--label", "app=test", "data"])
        _ = try ok(["run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f"])
        XCTAssertEqual(try ok(["run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/f"]), "kept")
        XCTAssertNotEqual(try daemon.docker(["run", "--rm", "-v", "data:/data:ro", "busybox", "touch", "/data/x"]).status, 0)
        XCTAssertEqual(try ok(["volume", "inspect", "-f", "{{.Driver}} {{index .Labels \"app\"}}", "data"]), "local test")
        _ = try ok(["run", "-d", "--name", "holder", "--mount", "type=volume,source=data,target=/srv", "busybox", "sleep", "300"])
        let busy = try daemon.docker(["volume", "rm", "data"])
        XCTAssertNotEqual(busy.status, 0)
        XCTAssertTrue(busy.stderr.contains("volume is in use"), busy.stderr)
        XCTAssertEqual(try ok(["inspect", "-f", "{{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}", "holder"]), "data:/srv")
        XCTAssertEqual(try ok(["run", "--rm", "--volumes-from", "holder", "busybox", "cat", "/srv/f"]), "kept")

        // Bind mounts, --tmpfs and --mount tmpfs.
        let hostDir = daemon.dir + "/bind"
        try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true)
        _ = try ok(["run", "--rm", "-v", "\(hostDir):/host", "busybox", "sh", "-c", "echo from-ctr > /host/out"])
        XCTAssertEqual(try String(contentsOfFile: hostDir + "/out", encoding: .utf8), "from-ctr\n")
        XCTAssertTrue(try ok(["run", "--rm", "--tmpfs", "/scratch", "busybox", "sh", "-c", "grep ' /scratch ' /proc/mounts"]).contains("tmpfs"))
        let missing = try daemon.docker(["run", "--rm", "--mount", "type=bind,source=/nonexistent-berth,target=/x", "busybox", "true"])
        XCTAssertTrue(missing.stderr.contains("bind source path does not exist"), missing.stderr)

        // Anonymous volumes: removed by rm -v; a tmpfs-backed named volume.
        _ = try ok(["create", "--name", "anon", "-v", "/cache", "busybox", "true"])
        let anonymous = try ok(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "anon"])
        XCTAssertEqual(anonymous.count, 64)
        _ = try ok(["rm", "-v", "anon"])
        XCTAssertNotEqual(try daemon.docker(["volume", "inspect", anonymous]).status, 0)
        _ = try ok(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m", "ram"])
        XCTAssertTrue(try ok(["run", "--rm", "-v", "ram:/ram", "busybox", "sh", "-c", "grep ' /ram ' /proc/mounts"]).contains("tmpfs"))

        _ = try ok(["rm", "-f", "holder"])
        _ = try ok(["volume", "rm", "data", "ram"])
        XCTAssertEqual(try ok(["volume", "ls", "-q"]), "")
    }

    func testNothingIsLeftAfterTheDaemonStops() throws {
        let before = try Self.sh("ip -o link show type veth | wc -l").stdout
        _ = try ok(["network", "create", "leftover"])
        let id = try ok(["network", "inspect", "-f", "{{.Id}}", "leftover"])
        _ = try ok(["run", "-d", "--name", "svc1", "--network", "leftover", "-p", "18081:80", "busybox", "sleep", "300"])
        _ = try ok(["run", "-d", "--name", "svc2", "busybox", "sleep", "300"])
        XCTAssertEqual(try Self.sh("nft list table ip berth-\(daemon.bridge)").status, 0)
        _ = try ok(["rm", "-f", "svc1", "svc2"])
        daemon.stopDaemon()
        XCTAssertNotEqual(try Self.sh("ip link show \(daemon.bridge)").status, 0, "default bridge left")
        XCTAssertNotEqual(try Self.sh("ip link show br-\(id.prefix(12))").status, 0, "network bridge left")
        XCTAssertNotEqual(try Self.sh("nft list table ip berth-\(daemon.bridge)").status, 0, "nft table left")
        XCTAssertEqual(try Self.sh("ip -o link show type veth | wc -l").stdout, before, "veths left")
        XCTAssertEqual(daemon.mounts().filter { $0.hasPrefix(daemon.execRoot) }, [], "mounts left under the exec root")
    }

    func testRulesAndLinksOfContainersThatDiedDuringACrashGoAtStart() throws {
        let before = try Self.sh("ip -o link show type veth | wc -l").stdout
        _ = try ok(["run", "-d", "--name", "svc", "-p", "18082:80", "busybox", "httpd", "-f", "-p", "80"])
        let pid = Int32(try ok(["inspect", "-f", "{{.State.Pid}}", "svc"])) ?? 0
        XCTAssertGreaterThan(pid, 0)
        XCTAssertTrue(try Self.sh("nft list table ip berth-\(daemon.bridge)").stdout.contains("dport 18082"))
        // The daemon dies without cleaning up; then the container dies too.
        kill(daemon.process!.processIdentifier, SIGKILL)
        daemon.process!.waitUntilExit()
        kill(pid, SIGKILL)
        for _ in 0..<50 where kill(pid, 0) == 0 { usleep(100_000) }
        try daemon.start()
        XCTAssertTrue(try ok(["ps", "-a", "--format", "{{.Status}}"]).hasPrefix("Exited"))
        XCTAssertFalse(try Self.sh("nft list table ip berth-\(daemon.bridge)").stdout.contains("dport 18082"), "stale DNAT rule")
        XCTAssertEqual(try Self.sh("ip -o link show type veth | wc -l").stdout, before, "stale veth")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: daemon.execRoot + "/netns")) ?? [], [], "stale netns file")
        // It starts again with its port.
        _ = try ok(["start", "svc"])
        XCTAssertTrue(try Self.sh("nft list table ip berth-\(daemon.bridge)").stdout.contains("dport 18082"))
    }
}
