import Foundation
import XCTest
import BerthSystem
@testable import BerthNetwork

/// The embedded DNS inside a real network namespace, queried by busybox's
/// nslookup from inside it, forwarding to a fake upstream resolver on the
/// host's loopback (no internet here) — which also proves forwarding runs
/// in the daemon's namespace: the container cannot reach the host's
/// 127.0.0.1.
final class EmbeddedDNSIntegrationTests: XCTestCase {
    private static let upstream = """
        import socket, struct, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
        while True:
            q, a = s.recvfrom(512)
            i, name = 12, []
            while q[i]:
                name.append(q[i+1:i+1+q[i]].decode()); i += 1 + q[i]
            qtype = struct.unpack("!H", q[i+1:i+3])[0]
            question = q[12:i+5]
            if ".".join(name) == "outside.example" and qtype == 1:
                ans = b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04" + bytes([198, 51, 100, 7])
                s.sendto(q[:2] + b"\\x81\\x80\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x00" + question + ans, a)
            else:
                s.sendto(q[:2] + b"\\x81\\x83\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00" + question, a)
        """

    /// A TCP query for `name` type A; prints the first answer's address.
    private static let tcpClient = """
        import socket, struct, sys
        name = sys.argv[1]
        q = b"\\xab\\xcd\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00" + b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\\x00\\x00\\x01\\x00\\x01"
        s = socket.create_connection(("127.0.0.11", 53), 3); s.settimeout(3)
        s.sendall(struct.pack("!H", len(q)) + q)
        n = struct.unpack("!H", s.recv(2))[0]; r = b""
        while len(r) < n: r += s.recv(n - len(r))
        print(".".join(str(b) for b in r[-4:]) if struct.unpack("!H", r[6:8])[0] else "NOANSWER")
        """

    func testResolvesContainerNamesForwardsTheRestAndStops() throws {
        try requireNetworkRoot()
        guard access("/bin/busybox", X_OK) == 0 else { throw XCTSkip("needs busybox (Debian: busybox-static) for nslookup") }
        let directory = NamespaceDirectory()
        defer { directory.remove() }
        let path = directory.namespacePath("dns")
        let namespace = try NetworkNamespace.create(at: path)
        defer { try? NetworkNamespace.delete(at: path) }

        let port = UInt16.random(in: 20000...40000)
        let upstream = try Background(["/usr/bin/python3", "-c", Self.upstream, String(port)])
        defer { upstream.stop() }
        usleep(300_000)

        let records = DNSRecords()
        records.register(network: "front", containerID: "c1", names: ["web", "web-alias"], address: IPv4Address("10.1.2.3")!)
        records.register(network: "back", containerID: "c2", names: ["db"], address: IPv4Address("10.9.9.9")!)
        let dns = EmbeddedDNS(records: records)
        defer { dns.stopAll() }
        try dns.start(containerID: "me", namespace: namespace, networks: ["front"],
                      upstreams: [DNSUpstream(address: IPv4Address(127, 0, 0, 1), port: port)])

        func nslookup(_ name: String) throws -> String {
            try runTool(["/usr/bin/nsenter", "--net=\(path)", "/bin/busybox", "nslookup", "-type=a", name, "127.0.0.11"]).output
        }
        let web = try nslookup("web")
        XCTAssertTrue(web.contains("Address: 10.1.2.3"), web)
        XCTAssertTrue(try nslookup("WEB-ALIAS").contains("Address: 10.1.2.3"))
        let forwarded = try nslookup("outside.example")
        XCTAssertTrue(forwarded.contains("Address: 198.51.100.7"), forwarded)
        let other = try nslookup("db")
        XCTAssertFalse(other.contains("10.9.9.9"), "db is on a network the container is not on: \(other)")
        XCTAssertTrue(other.contains("NXDOMAIN"), other)

        // Over TCP too.
        let tcp = try runTool(["/usr/bin/nsenter", "--net=\(path)", "/usr/bin/python3", "-c", Self.tcpClient, "web"]).output
        XCTAssertEqual(tcp.trimmingCharacters(in: .whitespacesAndNewlines), "10.1.2.3")

        // docker network connect: the other network's names resolve now.
        dns.setNetworks(containerID: "me", networks: ["front", "back"])
        XCTAssertTrue(try nslookup("db").contains("Address: 10.9.9.9"))

        // Stopped: nothing listens on 127.0.0.11:53 any more.
        dns.stop(containerID: "me")
        let after = try runTool(["/usr/bin/nsenter", "--net=\(path)", "/usr/bin/python3", "-c", Self.tcpClient, "web"])
        XCTAssertNotEqual(after.status, 0, after.output)
    }
}
