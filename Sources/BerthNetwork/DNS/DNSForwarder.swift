import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// An upstream resolver the embedded DNS forwards to (from the host's
/// resolv.conf or `--dns`); port 53 except in tests.
public struct DNSUpstream: Hashable, Sendable {
    public var address: IPv4Address
    public var port: UInt16
    public init(address: IPv4Address, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }
}

/// Sends a query to upstream resolvers from the daemon's own network
/// namespace (the sockets are made on ordinary daemon threads), so a
/// host-loopback resolver such as systemd-resolved's 127.0.0.53 works even
/// though the container could not reach it. Blocking, with timeouts; run on
/// a worker queue.
enum DNSForwarder {
    static let timeoutMilliseconds: Int32 = 2000

    /// The first upstream answer with the query's id, over UDP, retried over
    /// TCP when the answer is truncated. nil when no upstream answers.
    static func forward(_ query: [UInt8], id: UInt16, upstreams: [DNSUpstream], overTCP: Bool) -> [UInt8]? {
        for upstream in upstreams {
            if !overTCP, let answer = udp(query, id: id, upstream: upstream) {
                // TC set: the full answer needs TCP.
                if answer.count > 2, answer[2] & 0x02 != 0, let full = tcp(query, upstream: upstream) { return full }
                return answer
            }
            if overTCP, let answer = tcp(query, upstream: upstream) { return answer }
        }
        return nil
    }

    private static func connected(_ type: Int32, to upstream: DNSUpstream) -> Int32? {
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = upstream.port.bigEndian
        sin.sin_addr = in_addr(s_addr: upstream.address.value.bigEndian)
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); return nil }
        return fd
    }

    private static func udp(_ query: [UInt8], id: UInt16, upstream: DNSUpstream) -> [UInt8]? {
        guard let fd = connected(Int32(SOCK_DGRAM.rawValue), to: upstream) else { return nil }
        defer { close(fd) }
        guard query.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == query.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65535)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 12 else { return nil }
            // Ignore stray datagrams with another id (spoofing, late answers).
            if UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == id { return Array(buffer[0..<n]) }
        }
    }

    private static func tcp(_ query: [UInt8], upstream: DNSUpstream) -> [UInt8]? {
        guard let fd = connected(Int32(SOCK_STREAM.rawValue), to: upstream) else { return nil }
        defer { close(fd) }
        guard DNSStream.write(fd, query) else { return nil }
        return DNSStream.read(fd)
    }
}

/// DNS over TCP framing: a two-byte length, then the message (RFC 1035 §4.2.2).
enum DNSStream {
    static func read(_ fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd, 2) else { return nil }
        let length = Int(header[0]) << 8 | Int(header[1])
        return readExactly(fd, length)
    }

    static func write(_ fd: Int32, _ message: [UInt8]) -> Bool {
        let framed = [UInt8(message.count >> 8 & 0xff), UInt8(message.count & 0xff)] + message
        var sent = 0
        while sent < framed.count {
            let n = framed.withUnsafeBytes { send(fd, $0.baseAddress! + sent, framed.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return out
    }
}
