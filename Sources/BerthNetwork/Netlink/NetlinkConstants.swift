/// rtnetlink numbers from <linux/netlink.h>, <linux/rtnetlink.h>,
/// <linux/if_link.h>, <linux/if_addr.h> and <linux/veth.h>. They are kernel
/// ABI (never renumbered), spelled out here because importing the linux/
/// headers into Swift clashes with glibc's <net/if.h>.
enum NL {
    static let route: Int32 = 0              // NETLINK_ROUTE

    // nlmsghdr flags
    static let request: UInt16 = 0x1
    static let multi: UInt16 = 0x2
    static let ack: UInt16 = 0x4
    static let dump: UInt16 = 0x300
    static let replace: UInt16 = 0x100
    static let excl: UInt16 = 0x200
    static let create: UInt16 = 0x400

    // message types
    static let error: UInt16 = 2             // NLMSG_ERROR
    static let done: UInt16 = 3              // NLMSG_DONE
    static let newLink: UInt16 = 16
    static let delLink: UInt16 = 17
    static let getLink: UInt16 = 18
    static let setLink: UInt16 = 19
    static let newAddr: UInt16 = 20
    static let delAddr: UInt16 = 21
    static let getAddr: UInt16 = 22
    static let newRoute: UInt16 = 24
    static let delRoute: UInt16 = 25
    static let getRoute: UInt16 = 26

    static let nested: UInt16 = 0x8000       // NLA_F_NESTED

    static func typeName(_ type: UInt16) -> String {
        switch type {
        case newLink: return "RTM_NEWLINK"
        case delLink: return "RTM_DELLINK"
        case getLink: return "RTM_GETLINK"
        case setLink: return "RTM_SETLINK"
        case newAddr: return "RTM_NEWADDR"
        case delAddr: return "RTM_DELADDR"
        case getAddr: return "RTM_GETADDR"
        case newRoute: return "RTM_NEWROUTE"
        case delRoute: return "RTM_DELROUTE"
        case getRoute: return "RTM_GETROUTE"
        default: return "RTM_\(type)"
        }
    }
}

/// IFLA_* link attributes (struct ifinfomsg follows the header).
enum IFLA {
    static let address: UInt16 = 1
    static let ifname: UInt16 = 3
    static let mtu: UInt16 = 4
    static let link: UInt16 = 5
    static let master: UInt16 = 10
    static let protinfo: UInt16 = 12
    static let operstate: UInt16 = 16
    static let linkinfo: UInt16 = 18
    static let netNsFd: UInt16 = 28
    // IFLA_LINKINFO nested
    static let infoKind: UInt16 = 1
    static let infoData: UInt16 = 2
    // IFLA_INFO_DATA for veth
    static let vethPeer: UInt16 = 1
    // IFLA_PROTINFO for bridge ports
    static let brportMode: UInt16 = 4        // hairpin
}

/// IFA_* address attributes (struct ifaddrmsg follows the header).
enum IFA {
    static let address: UInt16 = 1
    static let local: UInt16 = 2
    static let label: UInt16 = 3
    static let broadcast: UInt16 = 4
}

/// RTA_* route attributes (struct rtmsg follows the header).
enum RTA {
    static let dst: UInt16 = 1
    static let oif: UInt16 = 4
    static let gateway: UInt16 = 5
    static let prefsrc: UInt16 = 7
    static let table: UInt16 = 15

    static let tableMain: UInt8 = 254
    static let protoBoot: UInt8 = 3
    static let scopeUniverse: UInt8 = 0
    static let scopeLink: UInt8 = 253
    static let unicast: UInt8 = 1
}

let AF_INET_U8: UInt8 = 2
let AF_BRIDGE_U8: UInt8 = 7
let AF_UNSPEC_U8: UInt8 = 0
let IFF_UP_U32: UInt32 = 1
