import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// A network interface as RTM_GETLINK reports it.
public struct LinkInfo: Sendable, Equatable {
    public var index: Int32
    public var name: String
    public var flags: UInt32
    public var mtu: UInt32
    public var masterIndex: Int32?
    public var kind: String?
    public var mac: [UInt8]
    public var isUp: Bool { flags & IFF_UP_U32 != 0 }
}

/// Link operations: what `ip link` does, one netlink message each.
extension RouteNetlink {
    /// `ip link add NAME type bridge`.
    public func createBridge(name: String, mtu: UInt32? = nil) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: NL.create | NL.excl)
        request.append(header: ifinfomsg())
        request.attribute(IFLA.ifname, string: name)
        if let mtu { request.attribute(IFLA.mtu, u32: mtu) }
        request.beginNest(IFLA.linkinfo)
        request.attribute(IFLA.infoKind, string: "bridge")
        request.endNest()
        try perform(request, subject: "bridge \(name)")
    }

    /// `ip link add NAME type veth peer name PEER [netns FD]`: with
    /// `peerNamespace`, the peer is created directly inside that namespace
    /// (IFLA_NET_NS_FD in the peer's ifinfomsg), so no rename-and-move dance
    /// is needed and "eth0" never exists in the host namespace.
    public func createVethPair(name: String, peerName: String, peerNamespace: NetworkNamespace? = nil,
                               mtu: UInt32? = nil, peerMAC: [UInt8]? = nil) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: NL.create | NL.excl)
        request.append(header: ifinfomsg())
        request.attribute(IFLA.ifname, string: name)
        if let mtu { request.attribute(IFLA.mtu, u32: mtu) }
        request.beginNest(IFLA.linkinfo)
        request.attribute(IFLA.infoKind, string: "veth")
        request.beginNest(IFLA.infoData)
        request.beginNest(IFLA.vethPeer)
        request.append(header: ifinfomsg())
        request.attribute(IFLA.ifname, string: peerName)
        if let mtu { request.attribute(IFLA.mtu, u32: mtu) }
        if let peerMAC { request.attribute(IFLA.address, peerMAC) }
        if let peerNamespace { request.attribute(IFLA.netNsFd, u32: UInt32(bitPattern: peerNamespace.fd)) }
        request.endNest()
        request.endNest()
        request.endNest()
        try perform(request, subject: "veth \(name)")
    }

    /// `ip link set NAME netns FD [name NEWNAME]`.
    public func moveLink(index: Int32, to namespace: NetworkNamespace, newName: String? = nil) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        request.attribute(IFLA.netNsFd, u32: UInt32(bitPattern: namespace.fd))
        if let newName { request.attribute(IFLA.ifname, string: newName) }
        try perform(request, subject: "link \(index) to netns \(namespace.path)")
    }

    /// `ip link set NAME name NEWNAME` (the link must be down).
    public func renameLink(index: Int32, to newName: String) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        request.attribute(IFLA.ifname, string: newName)
        try perform(request, subject: "link \(index) rename \(newName)")
    }

    /// `ip link set NAME up|down`.
    public func setLink(index: Int32, up: Bool) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index, flags: up ? IFF_UP_U32 : 0, change: IFF_UP_U32))
        try perform(request, subject: "link \(index) \(up ? "up" : "down")")
    }

    /// `ip link set NAME mtu N`.
    public func setMTU(index: Int32, mtu: UInt32) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        request.attribute(IFLA.mtu, u32: mtu)
        try perform(request, subject: "link \(index) mtu \(mtu)")
    }

    /// `ip link set NAME address MAC`.
    public func setMAC(index: Int32, mac: [UInt8]) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        request.attribute(IFLA.address, mac)
        try perform(request, subject: "link \(index) address")
    }

    /// `ip link set NAME master BRIDGE` (bridgeIndex 0 detaches).
    public func setMaster(index: Int32, bridgeIndex: Int32) throws {
        var request = NetlinkRequest(type: NL.newLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        request.attribute(IFLA.master, u32: UInt32(bitPattern: bridgeIndex))
        try perform(request, subject: "link \(index) master \(bridgeIndex)")
    }

    /// `bridge link set dev NAME hairpin on`: lets a frame leave by the port
    /// it came in on, so a container reaches its own published port.
    public func setHairpin(index: Int32, enabled: Bool) throws {
        var request = NetlinkRequest(type: NL.setLink, flags: 0)
        request.append(header: ifinfomsg(family: AF_BRIDGE_U8, index: index))
        request.beginNest(IFLA.protinfo)
        request.attribute(IFLA.brportMode, u8: enabled ? 1 : 0)
        request.endNest()
        try perform(request, subject: "bridge port \(index) hairpin")
    }

    /// `ip link del NAME` (deleting one end of a veth pair deletes both).
    public func deleteLink(index: Int32) throws {
        var request = NetlinkRequest(type: NL.delLink, flags: 0)
        request.append(header: ifinfomsg(index: index))
        try perform(request, subject: "link \(index)")
    }

    /// `ip link del NAME`.
    public func deleteLink(name: String) throws {
        var request = NetlinkRequest(type: NL.delLink, flags: 0)
        request.append(header: ifinfomsg())
        request.attribute(IFLA.ifname, string: name)
        try perform(request, subject: "link \(name)")
    }

    /// `ip link show NAME`; nil when there is no such link.
    public func link(named name: String) throws -> LinkInfo? {
        var request = NetlinkRequest(type: NL.getLink, flags: 0)
        request.append(header: ifinfomsg())
        request.attribute(IFLA.ifname, string: name)
        do {
            // A GETLINK for one link answers with the link, then the ack.
            return try dump(request, subject: "link \(name)").compactMap(LinkInfo.init(reply:)).first
        } catch let error as SystemError where error.errno == ENODEV {
            return nil
        }
    }

    /// `ip link show NAME` that must exist.
    public func linkIndex(named name: String) throws -> Int32 {
        guard let link = try link(named: name) else {
            throw SystemError(NL.typeName(NL.getLink), path: "link \(name)", errno: ENODEV)
        }
        return link.index
    }

    /// `ip link show`: every link of this namespace.
    public func links() throws -> [LinkInfo] {
        var request = NetlinkRequest(type: NL.getLink, flags: NL.dump)
        request.append(header: ifinfomsg())
        return try dump(request, subject: "links").compactMap(LinkInfo.init(reply:))
    }
}

extension LinkInfo {
    init?(reply: NetlinkReply) {
        guard reply.type == NL.newLink, reply.payload.count >= 16 else { return nil }
        let p = reply.payload
        let attributes = parseAttributes(p, from: 16)
        index = Int32(bitPattern: readU32(p, p.startIndex + 4))
        flags = readU32(p, p.startIndex + 8)
        name = attributes[IFLA.ifname]?.cString ?? ""
        mtu = attributes[IFLA.mtu]?.u32 ?? 0
        masterIndex = attributes[IFLA.master].map { Int32(bitPattern: $0.u32) }
        mac = attributes[IFLA.address].map(Array.init) ?? []
        kind = attributes[IFLA.linkinfo].flatMap { info in
            parseAttributes(info, from: 0)[IFLA.infoKind]?.cString
        }
    }
}
