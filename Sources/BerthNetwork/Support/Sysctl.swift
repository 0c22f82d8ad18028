import BerthSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes /proc/sys of the daemon's own network namespace.
public enum Sysctl {
    public static func read(_ key: String) throws -> String {
        let path = "/proc/sys/" + key
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw SystemError("read", path: path, errno: errno) }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: [" ", "\n", "\t"])
    }

    public static func write(_ key: String, _ value: String) throws {
        let path = "/proc/sys/" + key
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SystemError("write", path: path, errno: n < 0 ? errno : EIO) }
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let first = s.first, set.contains(first) { s = s.dropFirst() }
        while let last = s.last, set.contains(last) { s = s.dropLast() }
        return String(s)
    }
}

/// net.ipv4.ip_forward, switched on only while a non-internal network
/// exists and put back to what it was on clean shutdown (docker sets it and
/// never restores it; the issue asks berth to). The previous value is public
/// so the engine can persist it and restore it after a crash too.
public final class IPForwarding: Sendable {
    private let state: Mutex<String?>

    public init(previous: String? = nil) { state = Mutex(previous) }

    /// The value found before berth first enabled forwarding.
    public var previous: String? { state.withLock { $0 } }

    /// Enables forwarding, remembering the value found the first time.
    public func enable() throws {
        try state.withLock { previous in
            let current = try Sysctl.read("net/ipv4/ip_forward")
            if previous == nil { previous = current }
            if current != "1" { try Sysctl.write("net/ipv4/ip_forward", "1") }
        }
    }

    /// Writes back the remembered value (no-op when enable never ran).
    public func restore() throws {
        try state.withLock { previous in
            guard let value = previous else { return }
            try Sysctl.write("net/ipv4/ip_forward", value)
            previous = nil
        }
    }
}
