import XCTest
import BerthSystem
@testable import BerthNetwork

/// Cases from go-connections' nat_test.go (TestParsePortSpecFull and friends).
final class PortSpecTests: XCTestCase {
    func testSinglePortDefaultsToTCPAndAnyHostPort() throws {
        XCTAssertEqual(try PortSpec.parse("80"), [PortMapping(containerPort: 80)])
        XCTAssertEqual(try PortSpec.parse("1234/udp"), [PortMapping(containerPort: 1234, proto: .udp)])
        XCTAssertEqual(try PortSpec.parse("1234/UDP").first?.key, "1234/udp")
    }

    func testHostIPHostPortContainerPort() throws {
        XCTAssertEqual(try PortSpec.parse("0.0.0.0:1234:1234/tcp"),
                       [PortMapping(containerPort: 1234, hostIP: "0.0.0.0", hostPort: "1234")])
        XCTAssertEqual(try PortSpec.parse("127.0.0.1::80"),
                       [PortMapping(containerPort: 80, hostIP: "127.0.0.1", hostPort: "")])
        XCTAssertEqual(try PortSpec.parse("[::1]:8080:80"),
                       [PortMapping(containerPort: 80, hostIP: "::1", hostPort: "8080")])
        XCTAssertEqual(try PortSpec.parse("::1:8080:80").first?.hostIP, "::1")
    }

    func testRangesMapPairwise() throws {
        let mappings = try PortSpec.parse("8000-8002:80-82/udp")
        XCTAssertEqual(mappings.map(\.key), ["80/udp", "81/udp", "82/udp"])
        XCTAssertEqual(mappings.map(\.hostPort), ["8000", "8001", "8002"])
        XCTAssertEqual(try PortSpec.parse("1234-1236").map(\.key), ["1234/tcp", "1235/tcp", "1236/tcp"])
    }

    func testHostRangeWithSingleContainerPortIsAPickRange() throws {
        XCTAssertEqual(try PortSpec.parse("8000-8010:80"),
                       [PortMapping(containerPort: 80, hostPort: "8000-8010")])
    }

    func testErrorsMatchDocker() {
        assertError("0.0.0.0:1234-1235:3333-3335/tcp",
                    "invalid ranges specified for container and host Ports: 3333-3335 and 1234-1235")
        assertError("localhost:1234:1234", "invalid IP address: localhost")
        assertError("1234:tcp", "invalid containerPort: tcp")
        assertError("abc:1234", "invalid hostPort: abc")
        assertError("1234/sctx", "invalid proto: sctx")
        assertError("", "no port specified: <empty>")
        assertError("1234:/udp", "no port specified: 1234:/udp<empty>")
        assertError("70000", "invalid containerPort: 70000")
        assertError("90-80", "invalid containerPort: 90-80")
        assertError("[::1:8080:80", "invalid IP address [::1: address [::1:: missing ']' in address")
    }

    private func assertError(_ spec: String, _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try PortSpec.parse(spec), line: line) { error in
            XCTAssertEqual("\(error)", message, line: line)
            XCTAssertEqual((error as? BerthError)?.code, .invalidArgument, line: line)
        }
    }
}

