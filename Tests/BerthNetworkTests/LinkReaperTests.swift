import XCTest
import BerthSystem
@testable import BerthNetwork

/// The host end of a veth whose peer sits in a namespace goes with the
/// namespace (the kernel removes the pair); one whose namespace something
/// still holds is deleted by the reaper after its grace; `drain` waits.
final class LinkReaperTests: XCTestCase {
    func testHostEndsGoWithTheirNamespaceOrAfterTheGrace() throws {
        try requireNetworkRoot()
        let directory = NamespaceDirectory()
        defer { directory.remove() }
        let netlink = try RouteNetlink()
        var names: [String] = []
        var pinned: NetworkNamespace?
        for (i, holdOpen) in [false, true].enumerated() {
            let path = directory.namespacePath("n\(i)")
            let namespace = try NetworkNamespace.create(at: path)
            let name = "vr\(uniqueHex(6))"
            try netlink.createVethPair(name: name, peerName: "eth0", peerNamespace: namespace)
            names.append(name)
            if holdOpen { pinned = namespace }
            try NetworkNamespace.delete(at: path)
        }
        defer { for name in names { _ = try? RouteNetlink().deleteLink(name: name) } }
        XCTAssertNotEqual(if_nametoindex(names[1]), 0, "a namespace held open keeps its veth")
        let reaper = LinkReaper(graceMilliseconds: 300)
        reaper.retire(names)
        // The first goes with its namespace; the second when drained (or after its grace).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, if_nametoindex(names[0]) != 0 { usleep(20_000) }
        XCTAssertEqual(if_nametoindex(names[0]), 0, "the kernel removed the pair with its namespace")
        reaper.drain()
        XCTAssertEqual(if_nametoindex(names[1]), 0, "the reaper deleted the pinned one")
        XCTAssertEqual(reaper.waiting, [])
        withExtendedLifetime(pinned) {}
    }
}
