import Foundation
import XCTest

/// `berth daemon -H tcp://… --tlsverify`: the docker CLI with a client
/// certificate the CA signed gets through; without one it does not.
final class TLSTests: XCTestCase {
    var daemon: DaemonHarness!

    override func tearDownWithError() throws {
        daemon?.tearDown()
    }

    func openssl(_ args: [String]) throws {
        let result = try DaemonHarness.run([DaemonHarness.which("openssl")!] + args)
        XCTAssertEqual(result.status, 0, "openssl \(args.joined(separator: " ")): \(result.stderr)")
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, as docker's "protect the daemon socket" guide makes them.
    func makeCertificates(in dir: String) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=berth test CA",
                     "-keyout", dir + "/ca-key.pem", "-out", dir + "/ca.pem"])
        for (name, usage) in [("server", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)", "-keyout", "\(dir)/\(name)-key.pem",
                         "-out", "\(dir)/\(name).csr"])
            try usage.write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca-key.pem",
                         "-CAcreateserial", "-days", "1", "-extfile", "\(dir)/\(name).ext", "-out", "\(dir)/\(name).pem"])
        }
    }

    func testTCPNeedsAClientCertificateSignedByTheCA() throws {
        daemon = try DaemonHarness()
        let certs = daemon.dir + "/certs"
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        try makeCertificates(in: certs)
        let port = Int.random(in: 20000...40000)
        try daemon.startDaemon(extra: ["-H", "tcp://127.0.0.1:\(port)", "--tlsverify", "--tlscacert", certs + "/ca.pem",
                                       "--tlscert", certs + "/server.pem", "--tlskey", certs + "/server-key.pem"])
        let docker = DaemonHarness.which("docker")!
        let tcp = "tcp://127.0.0.1:\(port)"
        let trusted = try DaemonHarness.run([docker, "-H", tcp, "--tlsverify", "--tlscacert", certs + "/ca.pem",
                                             "--tlscert", certs + "/client.pem", "--tlskey", certs + "/client-key.pem",
                                             "version", "--format", "{{.Server.Os}}"])
        XCTAssertEqual(trusted.stdout, "linux\n", trusted.stderr + daemon.logText())
        // No client certificate: the handshake is refused.
        let anonymous = try DaemonHarness.run([docker, "-H", tcp, "--tlsverify", "--tlscacert", certs + "/ca.pem", "version"])
        XCTAssertNotEqual(anonymous.status, 0)
        XCTAssertFalse(anonymous.stdout.contains("Server:"), anonymous.stdout)
        // Plain HTTP is not served on the TLS port.
        let plain = try DaemonHarness.run([docker, "-H", tcp, "version", "--format", "{{.Server.Os}}"])
        XCTAssertNotEqual(plain.stdout, "linux\n")
    }

    func testTCPWithoutTLSVerifyIsRefused() throws {
        let harness = try DaemonHarness()
        let result = try DaemonHarness.run([DaemonHarness.berth, "daemon", "-H", "tcp://127.0.0.1:2375", "--data-root", harness.dir + "/d",
                                            "--exec-root", harness.dir + "/e", "--config-file", harness.dir + "/daemon.json"], timeout: 20)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("only with TLS client verification"), result.stderr)
        try? FileManager.default.removeItem(atPath: harness.dir)
    }
}
