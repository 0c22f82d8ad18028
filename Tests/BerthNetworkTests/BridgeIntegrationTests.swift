import Foundation
import XCTest
import BerthSystem
@testable import BerthNetwork

/// Two "containers" (network namespaces made by NetworkNamespace.create) on
/// a bridge made over netlink, a published port, an "outside host" (another
/// namespace behind a veth), and the nftables table of a daemon instance of
/// its own. Everything is removed in tearDown, and ip_forward restored.
final class BridgeIntegrationTests: XCTestCase {
    private var cleanups: [() -> Void] = []

    override func tearDown() {
        for cleanup in cleanups.reversed() { cleanup() }
        cleanups = []
    }

    private func defer_(_ body: @escaping () -> Void) { cleanups.append(body) }

    func testContainersTalkPublishedPortsReachableFromHostOutsideAndHairpin() throws {
        try requireNetworkRoot()
        let tag = uniqueHex()
        let directory = NamespaceDirectory()
        defer_ { directory.remove() }

        // A /24 of 10.x that no host route uses, like the daemon would pick.
        let host = try RouteNetlink()
        let candidates = (0..<40).map { _ in
            IPv4Subnet(IPv4Address(10, UInt8.random(in: 100...250), UInt8.random(in: 0...255), 0), prefixLength: 24)
        }
        let subnet = try SubnetPool.pick(candidates: candidates, inUse: [], hostRoutes: try host.routes())
        var ipam = try IPAMState(subnet: subnet)
        let network = BridgeNetwork(id: tag + String(repeating: "0", count: 58), name: "test-\(tag)",
                                    bridgeName: "bt\(tag)", subnet: subnet, gateway: ipam.gateway)
        try BridgeDriver.ensureBridge(network)
        defer_ { try? BridgeDriver.removeBridge(named: network.bridgeName) }
        try BridgeDriver.ensureBridge(network) // idempotent, as after a daemon restart

        let forwarding = IPForwarding()
        let before = try Sysctl.read("net/ipv4/ip_forward")
        try forwarding.enable()
        defer_ { try? forwarding.restore() }
        let firewall = try Firewall(instance: "t\(tag)")
        defer_ { try? firewall.removeAll() }

        // Two containers.
        var endpoints: [String: Endpoint] = [:]
        var paths: [String: String] = [:]
        for name in ["a", "b"] {
            let path = directory.namespacePath(name)
            let namespace = try NetworkNamespace.create(at: path)
            defer_ { try? NetworkNamespace.delete(at: path) }
            let address = try ipam.allocate(owner: name)
            endpoints[name] = try BridgeDriver.attach(namespace: namespace, network: network, containerID: name, address: address)
            paths[name] = path
        }
        let a = endpoints["a"]!, b = endpoints["b"]!
        XCTAssertEqual(a.address, IPv4Address(subnet.network.value + 2))
        XCTAssertEqual(a.macAddress, MACAddress.string([0x02, 0x42] + a.address.bytes))
        XCTAssertTrue(a.hostInterface.hasPrefix("veth") && a.hostInterface.count == 11)
        let inside = try runTool(["/usr/bin/nsenter", "--net=\(paths["a"]!)", "/usr/sbin/ip", "-4", "-o", "addr", "show", "eth0"]).output
        XCTAssertTrue(inside.contains("inet \(a.cidr)"), inside)
        let routes = try runTool(["/usr/bin/nsenter", "--net=\(paths["a"]!)", "/usr/sbin/ip", "route"]).output
        XCTAssertTrue(routes.contains("default via \(network.gateway) dev eth0"), routes)

        // Container to container, straight over the bridge.
        let serverB = try Peers.serve(in: paths["b"], port: 8000, message: "hello-from-b")
        defer_ { serverB.stop() }
        let serverA = try Peers.serve(in: paths["a"], port: 8000, message: "hello-from-a")
        defer_ { serverA.stop() }
        XCTAssertEqual(try Peers.ask(from: paths["a"], host: "\(b.address)", port: 8000), "hello-from-b \(a.address)")

        // Publish b:8000 on a random host port and a:8000 on another.
        let reservations = PortReservations()
        defer_ { reservations.release(containerID: "a"); reservations.release(containerID: "b") }
        let publishedB = try reservations.reserve(containerID: "b", mappings: try PortSpec.parse("8000"))
        let publishedA = try reservations.reserve(containerID: "a", mappings: try PortSpec.parse("0.0.0.0::8000"))
        XCTAssertEqual(publishedB.count, 1)
        XCTAssertEqual(publishedB[0].hostIP, "0.0.0.0")
        XCTAssertGreaterThan(publishedB[0].hostPort, 1024)
        try firewall.reconcile(desired: FirewallRules(networks: [network], ports: [
            publishedB[0].forward(containerID: "b", to: b.address),
            publishedA[0].forward(containerID: "a", to: a.address),
        ]))
        let portB = Int(publishedB[0].hostPort), portA = Int(publishedA[0].hostPort)

        // Reserved means taken: a second reservation of the same port fails as docker's does.
        XCTAssertThrowsError(try reservations.reserve(containerID: "c", mappings: try PortSpec.parse("\(portB):80"))) { error in
            XCTAssertEqual("\(error)", "Bind for 0.0.0.0:\(portB) failed: port is already allocated")
        }

        // From the host: loopback (masqueraded to the gateway) and its own address.
        XCTAssertEqual(try Peers.ask(from: nil, host: "127.0.0.1", port: portB), "hello-from-b \(network.gateway)")
        let hostAddress = try host.addresses().map(\.address.address)
            .first { !$0.isLoopback && !subnet.contains($0) }
        if let hostAddress {
            XCTAssertEqual(try Peers.ask(from: nil, host: "\(hostAddress)", port: portB), "hello-from-b \(hostAddress)")
        }

        // From an outside host: a namespace behind a veth, as another machine on the LAN.
        let outsidePath = directory.namespacePath("outside")
        let outside = try NetworkNamespace.create(at: outsidePath)
        defer_ { try? NetworkNamespace.delete(at: outsidePath) }
        let lan = IPv4Subnet(IPv4Address(subnet.network.value &+ 0x0100_0000 & 0xffff_ff00 | 0x00), prefixLength: 30)
        let hostSide = IPv4Subnet(IPv4Address(lan.network.value + 1), prefixLength: 30)
        let outsideSide = IPv4Subnet(IPv4Address(lan.network.value + 2), prefixLength: 30)
        try host.createVethPair(name: "vo\(tag)", peerName: "eth0", peerNamespace: outside)
        defer_ { try? RouteNetlink().deleteLink(name: "vo\(tag)") }
        let lanIndex = try host.linkIndex(named: "vo\(tag)")
        try host.addAddress(hostSide, linkIndex: lanIndex)
        try host.setLink(index: lanIndex, up: true)
        let outsideNetlink = try RouteNetlink(namespace: outside)
        let outsideIndex = try outsideNetlink.linkIndex(named: "eth0")
        try outsideNetlink.addAddress(outsideSide, linkIndex: outsideIndex)
        try outsideNetlink.setLink(index: outsideIndex, up: true)
        XCTAssertEqual(try Peers.ask(from: outsidePath, host: "\(hostSide.address)", port: portB),
                       "hello-from-b \(outsideSide.address)")

        // Hairpin: a to b's published port, and b to its own, via the host's address.
        XCTAssertEqual(try Peers.ask(from: paths["a"], host: "\(hostSide.address)", port: portB),
                       "hello-from-b \(network.gateway)")
        XCTAssertEqual(try Peers.ask(from: paths["b"], host: "\(hostSide.address)", port: portB),
                       "hello-from-b \(network.gateway)")
        XCTAssertEqual(try Peers.ask(from: paths["b"], host: "\(network.gateway)", port: portA),
                       "hello-from-a \(network.gateway)")

        // Outbound NAT: a container reaches the outside host, seen as the host's address.
        let serverOutside = try Peers.serve(in: outsidePath, port: 9000, message: "hello-from-outside")
        defer_ { serverOutside.stop() }
        XCTAssertEqual(try Peers.ask(from: paths["a"], host: "\(outsideSide.address)", port: 9000),
                       "hello-from-outside \(hostSide.address)")

        // Stop b: its rules go, the port no longer answers, the port is free again.
        try firewall.unpublish(containerID: "b")
        reservations.release(containerID: "b")
        XCTAssertTrue(try Peers.ask(from: nil, host: "127.0.0.1", port: portB).hasPrefix("ERR"))
        try BridgeDriver.detach(b)
        XCTAssertNil(try host.link(named: b.hostInterface))

        // Clean shutdown: table gone, forwarding back.
        try firewall.removeAll()
        XCTAssertFalse(try runTool(["/usr/sbin/nft", "list", "tables"]).output.contains(firewall.table))
        try forwarding.restore()
        XCTAssertEqual(try Sysctl.read("net/ipv4/ip_forward"), before)
    }
}
