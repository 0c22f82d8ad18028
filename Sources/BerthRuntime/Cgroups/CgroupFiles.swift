#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem

/// Reads and writes cgroupfs control files. One `write(2)` per value, as the
/// kernel parses each write as a whole (runc's cgroups.WriteFile), and
/// O_TRUNC so the same code works on the plain-file fake hierarchy unit tests
/// use. `createsFiles` is only set for that fake: on a real cgroupfs a missing
/// file means the controller or feature is absent and must be reported.
struct CgroupFiles: Sendable {
    var createsFiles = false
    /// Unit tests' record of every write, in order (path, value).
    var log: CgroupWriteLog?

    func write(_ dir: String, _ file: String, _ value: String) throws {
        let path = dir + "/" + file
        var flags = O_WRONLY | O_TRUNC | O_CLOEXEC
        if createsFiles { flags |= O_CREAT }
        let fd = retryEINTR { open(path, flags, 0o644) }
        if fd < 0 { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { buf in retryEINTR { Int32(Glibc.write(fd, buf.baseAddress, buf.count)) } }
        if n < 0 { throw SystemError("write \(value.debugDescription) to", path: path, errno: errno) }
        log?.writes.append((path, value))
    }

    func read(_ dir: String, _ file: String) throws -> String {
        let path = dir + "/" + file
        let fd = retryEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        if fd < 0 { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = chunk.withUnsafeMutableBytes { buf in retryEINTR { Int32(Glibc.read(fd, buf.baseAddress, buf.count)) } }
            if n < 0 { throw SystemError("read", path: path, errno: errno) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The file's content without surrounding whitespace, or nil when absent.
    func readIfPresent(_ dir: String, _ file: String) -> String? {
        guard let s = try? read(dir, file) else { return nil }
        return s.cgroupTrimmed
    }

    func exists(_ dir: String, _ file: String = "") -> Bool {
        access(file.isEmpty ? dir : dir + "/" + file, F_OK) == 0
    }

    /// mkdir -p; returns the directories it created, outermost first, so a
    /// failed create can remove exactly those.
    func makeDirectories(_ path: String) throws -> [String] {
        var created: [String] = []
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                created.append(current)
            } else if errno != EEXIST {
                throw SystemError("mkdir", path: current, errno: errno)
            }
        }
        return created
    }

    /// Subdirectories of `dir` (cgroups nested in it), not following symlinks.
    func subdirectories(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var result: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if entry.pointee.d_type == UInt8(DT_DIR) { result.append(dir + "/" + name) }
        }
        return result.sorted()
    }

    /// Removes a cgroup directory and the cgroups nested in it, deepest first.
    /// cgroupfs answers EBUSY for a short while after the last task exited
    /// (the task is still being torn down), so retry like runc's rmdir does.
    func removeTree(_ dir: String) throws {
        for sub in subdirectories(dir) { try removeTree(sub) }
        var attempts = 0
        while rmdir(dir) != 0 {
            let e = errno
            if e == ENOENT { return }
            // A plain directory (the unit tests' fake) holds files: remove them.
            if e == ENOTEMPTY && createsFiles { removeFiles(dir); continue }
            attempts += 1
            if e != EBUSY || attempts > 100 { throw SystemError("rmdir", path: dir, errno: e) }
            usleep(10_000)
        }
    }

    private func removeFiles(_ dir: String) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if entry.pointee.d_type != UInt8(DT_DIR) { unlink(dir + "/" + name) }
        }
    }
}

/// The writes a unit test's fake hierarchy received, in order.
final class CgroupWriteLog: @unchecked Sendable {
    var writes: [(path: String, value: String)] = []
    init() {}
}

@inline(__always)
private func retryEINTR<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let r = body()
        if r < 0 && errno == EINTR { continue }
        return r
    }
}

extension String {
    /// The string without leading and trailing whitespace (cgroup files end in "\\n").
    var cgroupTrimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
