import BerthSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A blocking stream socket to the daemon (Unix or TCP) with a read buffer:
/// the CLI is a short-lived process, so one request at a time on plain fds
/// is all it needs (no event loop).
public final class Connection {
    /// The socket; exposed so a hijacked stream can be polled beside stdin.
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    /// Connects to `host` (unix:// path or tcp:// address).
    public init(host: DockerHost) throws {
        switch host {
        case .unix(let path): fd = try Self.connectUnix(path)
        case .tcp(let name, let port): fd = try Self.connectTCP(name, port)
        }
    }

    deinit { close(fd) }

    private static func connectUnix(_ path: String) throws -> Int32 {
        try UnixSocket.connect(path)
    }

    private static func connectTCP(_ name: String, _ port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw BerthError.unavailable("cannot resolve \(name): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                lastErrno = errno
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        throw SystemError("connect", path: "\(name):\(port)", errno: lastErrno)
    }

    /// Writes all of `bytes` (EINTR retried, no SIGPIPE).
    public func write(_ bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let n = array.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, array.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("send", errno: errno)
            }
            offset += n
        }
    }

    /// Half-closes the connection: the daemon sees end of input (stdin closed).
    public func closeWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Bytes read ahead and not yet consumed.
    public var hasBuffered: Bool { position < buffer.count }

    /// Up to `max` bytes: the buffered ones first, else one read(2); empty at end of stream.
    public func read(max: Int = 65536) throws -> [UInt8] {
        if position < buffer.count {
            let end = min(buffer.count, position + max)
            defer { position = end; if position == buffer.count { buffer.removeAll(keepingCapacity: true); position = 0 } }
            return Array(buffer[position..<end])
        }
        return try readSocket(max: max)
    }

    private func readSocket(max: Int) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: max)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
            if n >= 0 { return Array(chunk.prefix(n)) }
            if errno == EINTR { continue }
            throw SystemError("recv", errno: errno)
        }
    }

    /// Fills the buffer until it holds `count` unread bytes; false at end of stream first.
    private func fill(_ count: Int) throws -> Bool {
        while buffer.count - position < count {
            let chunk = try readSocket(max: 65536)
            if chunk.isEmpty { return false }
            if position > 0 { buffer.removeFirst(position); position = 0 }
            buffer += chunk
        }
        return true
    }

    /// Exactly `count` bytes, or fewer at end of stream.
    public func read(exactly count: Int) throws -> [UInt8] {
        _ = try fill(count)
        let end = min(buffer.count, position + count)
        defer { position = end }
        return Array(buffer[position..<end])
    }

    /// One line ending in LF (the LF and a CR before it removed); nil at end of stream.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let index = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[position..<index])
                position = index + 1
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            let chunk = try readSocket(max: 65536)
            if chunk.isEmpty {
                guard position < buffer.count else { return nil }
                defer { buffer.removeAll(); position = 0 }
                return Array(buffer[position...])
            }
            if position > 0 { buffer.removeFirst(position); position = 0 }
            buffer += chunk
        }
    }
}
