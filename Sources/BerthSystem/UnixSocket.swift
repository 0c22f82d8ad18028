#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Unix stream sockets by path, for any path length. A `sockaddr_un` holds
/// 107 bytes of path; a longer one (a deep exec root) is reached through its
/// directory, opened with O_PATH, as `/proc/self/fd/N/name` (systemd's
/// `connect_unix_path` does the same).
public enum UnixSocket {
    /// A connected, close-on-exec stream socket to `path`.
    public static func connect(_ path: String) throws(SystemError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        let rc = try withAddress(path) { address, length in sockconnect(fd, address, length) }
        if rc != 0 {
            let saved = errno
            close(fd)
            throw SystemError("connect", path: path, errno: saved)
        }
        return fd
    }

    /// Calls `body` with an address of `path`: the path itself when it
    /// fits, else the short name of its directory's descriptor.
    public static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) throws(SystemError) -> T {
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        var bytes = Array(path.utf8)
        var directory: Int32 = -1
        defer { if directory >= 0 { close(directory) } }
        if bytes.count >= capacity {
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), slash > 0, slash < bytes.count - 1 else {
                throw SystemError("socket address", path: path, errno: ENAMETOOLONG)
            }
            let parent = String(decoding: bytes[..<slash], as: UTF8.self)
            directory = open(parent, oPath | O_DIRECTORY | O_CLOEXEC)
            guard directory >= 0 else { throw SystemError("open", path: parent, errno: errno) }
            bytes = Array("/proc/self/fd/\(directory)/".utf8) + bytes[(slash + 1)...]
            guard bytes.count < capacity else { throw SystemError("socket address", path: path, errno: ENAMETOOLONG) }
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}

/// O_PATH (Linux, every architecture): Glibc's module leaves it out.
private let oPath: Int32 = 0o10000000

private func sockconnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
