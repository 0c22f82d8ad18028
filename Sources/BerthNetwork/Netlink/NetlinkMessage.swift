/// Builds one netlink request: nlmsghdr, a fixed family header (ifinfomsg,
/// ifaddrmsg, rtmsg) and type-length-value attributes aligned to 4 bytes,
/// as <linux/netlink.h>'s NLMSG_ALIGN/NLA_ALIGN lay them out. Host byte
/// order throughout, except addresses (network order, as the kernel wants).
struct NetlinkRequest {
    private(set) var bytes: [UInt8]
    let type: UInt16
    private var nestStack: [Int] = []

    init(type: UInt16, flags: UInt16) {
        self.type = type
        bytes = [UInt8](repeating: 0, count: 16)
        put16(type, at: 4)
        put16(flags | NL.request | NL.ack, at: 6)
    }

    /// Appends a fixed header (already laid out) after nlmsghdr.
    mutating func append(header: [UInt8]) {
        bytes += header
        pad()
    }

    mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        let length = 4 + payload.count
        bytes += le16(UInt16(length)) + le16(type) + payload
        pad()
    }

    mutating func attribute(_ type: UInt16, u32 value: UInt32) { attribute(type, le32(value)) }
    mutating func attribute(_ type: UInt16, u8 value: UInt8) { attribute(type, [value]) }
    mutating func attribute(_ type: UInt16, s32 value: Int32) { attribute(type, le32(UInt32(bitPattern: value))) }
    /// A C string attribute, NUL-terminated as the kernel's NLA_STRING wants.
    mutating func attribute(_ type: UInt16, string: String) { attribute(type, Array(string.utf8) + [0]) }

    /// Opens a nested attribute; close it with `endNest()`.
    mutating func beginNest(_ type: UInt16) {
        nestStack.append(bytes.count)
        bytes += le16(0) + le16(type | NL.nested)
    }

    mutating func endNest() {
        let start = nestStack.removeLast()
        put16(UInt16(bytes.count - start), at: start)
    }

    /// The finished message with its length and sequence number filled in.
    func finished(sequence: UInt32) -> [UInt8] {
        var out = bytes
        let length = le32(UInt32(out.count))
        out.replaceSubrange(0..<4, with: length)
        out.replaceSubrange(8..<12, with: le32(sequence))
        return out
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private mutating func put16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value & 0xff)
        bytes[offset + 1] = UInt8(value >> 8)
    }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }

/// struct ifinfomsg: family, pad, type, index, flags, change (16 bytes).
func ifinfomsg(family: UInt8 = AF_UNSPEC_U8, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
    [family, 0] + le16(0) + le32(UInt32(bitPattern: index)) + le32(flags) + le32(change)
}

/// struct ifaddrmsg: family, prefixlen, flags, scope, index (8 bytes).
func ifaddrmsg(prefixLength: Int, scope: UInt8 = RTA.scopeUniverse, index: Int32) -> [UInt8] {
    [AF_INET_U8, UInt8(prefixLength), 0, scope] + le32(UInt32(bitPattern: index))
}

/// struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (12 bytes).
func rtmsg(dstLength: Int, table: UInt8 = RTA.tableMain, proto: UInt8 = RTA.protoBoot,
           scope: UInt8 = RTA.scopeUniverse, type: UInt8 = RTA.unicast) -> [UInt8] {
    [AF_INET_U8, UInt8(dstLength), 0, 0, table, proto, scope, type] + le32(0)
}

/// One message the kernel sent back: its type and the bytes after nlmsghdr.
struct NetlinkReply {
    let type: UInt16
    let flags: UInt16
    let sequence: UInt32
    let payload: ArraySlice<UInt8>

    /// Splits a datagram into messages (NLMSG_OK / NLMSG_NEXT).
    static func split(_ data: ArraySlice<UInt8>) -> [NetlinkReply] {
        var out: [NetlinkReply] = []
        var offset = data.startIndex
        while data.endIndex - offset >= 16 {
            let length = Int(readU32(data, offset))
            guard length >= 16, offset + length <= data.endIndex else { break }
            out.append(NetlinkReply(type: readU16(data, offset + 4), flags: readU16(data, offset + 6),
                                    sequence: readU32(data, offset + 8),
                                    payload: data[(offset + 16)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return out
    }
}

/// Walks rtattrs starting at `offset` within `payload`: type → value bytes.
/// Later attributes of the same type win, as the kernel never repeats them.
func parseAttributes(_ payload: ArraySlice<UInt8>, from offset: Int) -> [UInt16: ArraySlice<UInt8>] {
    var out: [UInt16: ArraySlice<UInt8>] = [:]
    var cursor = payload.startIndex + offset
    while payload.endIndex - cursor >= 4 {
        let length = Int(readU16(payload, cursor))
        let type = readU16(payload, cursor + 2) & ~NL.nested
        guard length >= 4, cursor + length <= payload.endIndex else { break }
        out[type] = payload[(cursor + 4)..<(cursor + length)]
        cursor += (length + 3) & ~3
    }
    return out
}

func readU16(_ d: ArraySlice<UInt8>, _ i: Int) -> UInt16 { UInt16(d[i]) | UInt16(d[i + 1]) << 8 }
func readU32(_ d: ArraySlice<UInt8>, _ i: Int) -> UInt32 {
    UInt32(d[i]) | UInt32(d[i + 1]) << 8 | UInt32(d[i + 2]) << 16 | UInt32(d[i + 3]) << 24
}

extension ArraySlice<UInt8> {
    /// A NUL-terminated C string attribute as a Swift string.
    var cString: String { String(decoding: prefix { $0 != 0 }, as: UTF8.self) }
    var u32: UInt32 { count >= 4 ? readU32(self, startIndex) : 0 }
}
