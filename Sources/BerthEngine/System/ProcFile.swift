import Glibc

/// Reads a /proc file to its end. Foundation's `String(contentsOfFile:)`
/// trusts the size stat reports (0 for /proc) and returns only the first
/// read's few kilobytes: on a host with many mounts, /proc/self/mountinfo
/// came back cut short and mounts near its end looked absent.
enum ProcFile {
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
