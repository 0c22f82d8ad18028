import XCTest
import BerthSystem
@testable import BerthNetwork

final class IPAMTests: XCTestCase {
    private func subnet(_ text: String) -> IPv4Subnet { try! IPv4Subnet(parsing: text) }
    private func ip(_ text: String) -> IPv4Address { IPv4Address(text)! }

    func testAllocatesAfterGatewaySkippingReservedAddresses() throws {
        var ipam = try IPAMState(subnet: subnet("10.9.0.0/29"))
        XCTAssertEqual(ipam.gateway, ip("10.9.0.1"))
        let addresses = try (1...5).map { try ipam.allocate(owner: "c\($0)") }
        XCTAssertEqual(addresses.map(\.description), ["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"])
        XCTAssertThrowsError(try ipam.allocate(owner: "c6")) { error in
            XCTAssertEqual((error as? BerthError)?.code, .resourceExhausted)
            XCTAssertEqual("\(error)", "no available IPv4 addresses on this network's address pools: 10.9.0.0/29")
        }
    }

    func testReleasedAddressIsNotReusedImmediately() throws {
        var ipam = try IPAMState(subnet: subnet("10.9.0.0/24"))
        let a = try ipam.allocate(owner: "a")
        _ = try ipam.allocate(owner: "b")
        ipam.release(owner: "a")
        XCTAssertEqual(try ipam.allocate(owner: "c"), ip("10.9.0.4"))
        XCTAssertNotEqual(try ipam.allocate(owner: "d"), a)
    }

    func testWrapsAroundToReleasedAddresses() throws {
        var ipam = try IPAMState(subnet: subnet("10.9.0.0/30"))
        XCTAssertEqual(try ipam.allocate(owner: "a"), ip("10.9.0.2"))
        ipam.release(owner: "a")
        XCTAssertEqual(try ipam.allocate(owner: "b"), ip("10.9.0.2"))
    }

    func testIPRangeAndRequestedAddress() throws {
        var ipam = try IPAMState(subnet: subnet("172.28.0.0/16"), gateway: ip("172.28.5.254"),
                                 ipRange: subnet("172.28.5.0/24"))
        XCTAssertEqual(try ipam.allocate(owner: "a"), ip("172.28.5.0"))
        XCTAssertEqual(try ipam.allocate(owner: "b", requested: ip("172.28.9.9")), ip("172.28.9.9"))
        XCTAssertThrowsError(try ipam.allocate(owner: "c", requested: ip("172.28.9.9"))) { error in
            XCTAssertEqual((error as? BerthError)?.code, .conflict)
            XCTAssertEqual("\(error)", "Address already in use: 172.28.9.9")
        }
        XCTAssertThrowsError(try ipam.allocate(owner: "c", requested: ip("10.0.0.1")))
        XCTAssertThrowsError(try ipam.allocate(owner: "c", requested: ip("172.28.5.254")))
    }

    func testStateRoundTripsThroughJSON() throws {
        var ipam = try IPAMState(subnet: subnet("10.9.0.0/24"))
        _ = try ipam.allocate(owner: "a")
        let data = try JSONEncoder().encode(ipam)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"10.9.0.0\\/24\"")
                      || String(decoding: data, as: UTF8.self).contains("\"10.9.0.0/24\""))
        XCTAssertEqual(try JSONDecoder().decode(IPAMState.self, from: data), ipam)
    }

    func testRejectsGatewayOutsideSubnet() {
        XCTAssertThrowsError(try IPAMState(subnet: subnet("10.9.0.0/24"), gateway: ip("10.8.0.1"))) { error in
            XCTAssertEqual("\(error)", "no matching subnet for gateway 10.8.0.1")
        }
    }

    func testPoolSkipsHostRoutesAndUsedSubnets() throws {
        let routes = [
            RouteInfo(destination: subnet("0.0.0.0/0"), gateway: ip("192.0.2.1"), outputIndex: 2),
            RouteInfo(destination: subnet("172.17.3.0/24"), gateway: nil, outputIndex: 2),
        ]
        XCTAssertEqual(try SubnetPool.pick(inUse: [subnet("172.18.0.0/16")], hostRoutes: routes), subnet("172.19.0.0/16"))
        XCTAssertEqual(try SubnetPool.pick(inUse: [], hostRoutes: []), subnet("172.17.0.0/16"))
        XCTAssertThrowsError(try SubnetPool.pick(candidates: [subnet("10.0.0.0/8")], inUse: [subnet("10.1.0.0/16")], hostRoutes: []))
    }
}
