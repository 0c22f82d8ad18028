import BerthSystem
import CBerth
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An rtnetlink socket (NETLINK_ROUTE) in one network namespace: the daemon's
/// own, or a container's when opened with `RouteNetlink(namespace:)` (the
/// socket is created on a thread that setns()es into it; see
/// cberth_net.h). Requests are synchronous: send, then read until the ack
/// or NLMSG_DONE. Not shared between threads; open one per task (it costs a
/// socket and a bind).
public final class RouteNetlink {
    let fd: Int32
    private var sequence: UInt32 = 0
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// A socket in the calling thread's (the daemon's) network namespace.
    public init() throws {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NL.route)
        guard fd >= 0 else { throw SystemError("socket(AF_NETLINK)", errno: errno) }
        self.fd = fd
        try bindAndTune()
    }

    /// A socket inside the network namespace `namespace` refers to.
    public init(namespace: NetworkNamespace) throws {
        let fd = berth_netns_socket(namespace.fd, AF_NETLINK, Int32(SOCK_RAW.rawValue), NL.route)
        guard fd >= 0 else { throw SystemError("socket(AF_NETLINK) in netns", path: namespace.path, errno: errno) }
        self.fd = fd
        try bindAndTune()
    }

    deinit { close(fd) }

    private func bindAndTune() throws {
        // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups }:
        // pid 0 lets the kernel pick the port id.
        let address: [UInt8] = le16(UInt16(AF_NETLINK)) + [UInt8](repeating: 0, count: 10)
        let rc = address.withUnsafeBytes {
            bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(address.count))
        }
        guard rc == 0 else {
            let saved = errno
            close(fd)
            throw SystemError("bind(AF_NETLINK)", errno: saved)
        }
        // Ask for the failing attribute in error replies (NETLINK_EXT_ACK);
        // harmless where unsupported.
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_NETLINK, 11, &one, socklen_t(4))
    }

    /// Sends `request` and waits for its ack. `subject` names what it acted on
    /// ("veth veth1a2b3c4") for the error: `RTM_NEWLINK veth x: File exists`.
    func perform(_ request: NetlinkRequest, subject: String) throws {
        _ = try exchange(request, subject: subject, collect: false)
    }

    /// Sends a dump request and returns every message of the reply.
    func dump(_ request: NetlinkRequest, subject: String) throws -> [NetlinkReply] {
        try exchange(request, subject: subject, collect: true)
    }

    private func exchange(_ request: NetlinkRequest, subject: String, collect: Bool) throws -> [NetlinkReply] {
        sequence &+= 1
        let seq = sequence
        let bytes = request.finished(sequence: seq)
        let operation = NL.typeName(request.type)
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else {
            throw SystemError(operation, path: subject, errno: sent < 0 ? errno : EIO)
        }
        var collected: [NetlinkReply] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("recv(netlink) for \(operation)", path: subject, errno: errno)
            }
            for reply in NetlinkReply.split(buffer[0..<n]) where reply.sequence == seq {
                switch reply.type {
                case NL.error:
                    let code = Int32(bitPattern: reply.payload.u32)
                    if code == 0 { return collected }
                    throw SystemError(operation, path: subject, errno: -code)
                case NL.done:
                    return collected
                default:
                    if collect { collected.append(reply) }
                }
            }
        }
    }
}
