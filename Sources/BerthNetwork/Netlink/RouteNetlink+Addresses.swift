/// An IPv4 address on an interface as RTM_GETADDR reports it.
public struct AddressInfo: Sendable, Equatable {
    public var linkIndex: Int32
    public var address: IPv4Subnet
}

/// An IPv4 route of the main table as RTM_GETROUTE reports it.
public struct RouteInfo: Sendable, Equatable {
    public var destination: IPv4Subnet
    public var gateway: IPv4Address?
    public var outputIndex: Int32?
}

/// Address and route operations: what `ip addr` and `ip route` do.
extension RouteNetlink {
    /// `ip addr add A/N brd B dev INDEX`.
    public func addAddress(_ address: IPv4Subnet, linkIndex: Int32) throws {
        var request = NetlinkRequest(type: NL.newAddr, flags: NL.create | NL.excl)
        request.append(header: ifaddrmsg(prefixLength: address.prefixLength, index: linkIndex))
        request.attribute(IFA.local, address.address.bytes)
        request.attribute(IFA.address, address.address.bytes)
        if address.prefixLength < 31 { request.attribute(IFA.broadcast, address.broadcast.bytes) }
        try perform(request, subject: "address \(address) on link \(linkIndex)")
    }

    /// `ip addr del A/N dev INDEX`.
    public func deleteAddress(_ address: IPv4Subnet, linkIndex: Int32) throws {
        var request = NetlinkRequest(type: NL.delAddr, flags: 0)
        request.append(header: ifaddrmsg(prefixLength: address.prefixLength, index: linkIndex))
        request.attribute(IFA.local, address.address.bytes)
        try perform(request, subject: "address \(address) on link \(linkIndex)")
    }

    /// `ip -4 addr show`.
    public func addresses() throws -> [AddressInfo] {
        var request = NetlinkRequest(type: NL.getAddr, flags: NL.dump)
        request.append(header: [AF_INET_U8, 0, 0, 0] + le32(0))
        return try dump(request, subject: "addresses").compactMap { reply in
            guard reply.type == NL.newAddr, reply.payload.count >= 8 else { return nil }
            let p = reply.payload
            let attributes = parseAttributes(p, from: 8)
            guard let bytes = attributes[IFA.local] ?? attributes[IFA.address], bytes.count == 4 else { return nil }
            return AddressInfo(linkIndex: Int32(bitPattern: readU32(p, p.startIndex + 4)),
                               address: IPv4Subnet(IPv4Address(bytes: bytes), prefixLength: Int(p[p.startIndex + 1])))
        }
    }

    /// `ip route add DST/N [via GW] [dev INDEX]`; a nil gateway makes a
    /// link-scope route, `destination` 0.0.0.0/0 the default route.
    public func addRoute(destination: IPv4Subnet, gateway: IPv4Address?, outputIndex: Int32?) throws {
        var request = NetlinkRequest(type: NL.newRoute, flags: NL.create | NL.excl)
        request.append(header: rtmsg(dstLength: destination.prefixLength,
                                     scope: gateway == nil ? RTA.scopeLink : RTA.scopeUniverse))
        if destination.prefixLength > 0 { request.attribute(RTA.dst, destination.network.bytes) }
        if let gateway { request.attribute(RTA.gateway, gateway.bytes) }
        if let outputIndex { request.attribute(RTA.oif, u32: UInt32(bitPattern: outputIndex)) }
        try perform(request, subject: "route \(destination.masked)\(gateway.map { " via \($0)" } ?? "")")
    }

    /// `ip -4 route show table main`.
    public func routes() throws -> [RouteInfo] {
        var request = NetlinkRequest(type: NL.getRoute, flags: NL.dump)
        request.append(header: rtmsg(dstLength: 0, table: 0, proto: 0, type: 0))
        return try dump(request, subject: "routes").compactMap { reply in
            guard reply.type == NL.newRoute, reply.payload.count >= 12 else { return nil }
            let p = reply.payload
            let attributes = parseAttributes(p, from: 12)
            let table = attributes[RTA.table]?.u32 ?? UInt32(p[p.startIndex + 4])
            guard p[p.startIndex] == AF_INET_U8, table == UInt32(RTA.tableMain) else { return nil }
            let dst = attributes[RTA.dst].map { IPv4Address(bytes: $0) } ?? IPv4Address(0)
            return RouteInfo(destination: IPv4Subnet(dst, prefixLength: Int(p[p.startIndex + 1])),
                             gateway: attributes[RTA.gateway].map { IPv4Address(bytes: $0) },
                             outputIndex: attributes[RTA.oif].map { Int32(bitPattern: $0.u32) })
        }
    }
}
