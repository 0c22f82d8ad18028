import XCTest
@testable import BerthNetwork

final class IPv4AddressTests: XCTestCase {
    func testParsesDottedQuadStrictly() {
        XCTAssertEqual(IPv4Address("172.17.0.1")?.description, "172.17.0.1")
        XCTAssertNil(IPv4Address("172.17.0"))
        XCTAssertNil(IPv4Address("172.17.0.256"))
        XCTAssertNil(IPv4Address("010.1.1.1"))
        XCTAssertNil(IPv4Address("1.2.3.4 "))
    }

    func testSubnetArithmetic() throws {
        let subnet = try IPv4Subnet(parsing: "172.17.0.1/16")
        XCTAssertEqual(subnet.network.description, "172.17.0.0")
        XCTAssertEqual(subnet.broadcast.description, "172.17.255.255")
        XCTAssertTrue(subnet.contains(IPv4Address("172.17.200.3")!))
        XCTAssertFalse(subnet.contains(IPv4Address("172.18.0.1")!))
        XCTAssertTrue(subnet.overlaps(try IPv4Subnet(parsing: "172.16.0.0/12")))
        XCTAssertThrowsError(try IPv4Subnet(parsing: "172.17.0.0/33")) { error in
            XCTAssertEqual("\(error)", "invalid CIDR address: 172.17.0.0/33: prefix length must be 0-32")
        }
    }
}
