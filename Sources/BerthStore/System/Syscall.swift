// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
import Glibc

/// Calls a system call returning -1/errno, retrying EINTR (as SwiftNIO's
/// `syscall(blocking:where:)` does), and throws a SystemError naming the
/// call and the path it acted on.
@discardableResult
func sys(_ call: String, _ path: String? = nil, _ body: () -> Int32) throws -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(call, path: path, errno: code)
    }
}

/// The ssize_t variant of `sys` for read/write/pread/pwrite.
@discardableResult
func sysSize(_ call: String, _ path: String? = nil, _ body: () -> Int) throws -> Int {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(call, path: path, errno: code)
    }
}

/// Runs `body`, turning a SystemError into a BerthError that names the step
/// ("commit sha256:…") and keeps the errno's code; BerthErrors pass through.
@discardableResult
func step<T>(_ description: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SystemError {
        throw BerthError(error, while: description())
    }
}

/// An owned file descriptor, closed when the last reference goes away.
/// Passing `.raw` to a call is fine while the object is alive.
public final class FileDescriptor: @unchecked Sendable {
    public let raw: Int32

    public init(_ raw: Int32) { self.raw = raw }
    deinit { close(raw) }

    /// Opens `path` (O_CLOEXEC is added).
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> FileDescriptor {
        FileDescriptor(try sys("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode) })
    }

    /// Opens `name` relative to this directory (no resolution restrictions:
    /// for berth's own state directories, not for container content).
    public func openAt(_ name: String, _ flags: Int32, mode: mode_t = 0) throws -> FileDescriptor {
        FileDescriptor(try sys("openat", name) { Glibc.openat(raw, name, flags | O_CLOEXEC, mode) })
    }

    public func stat() throws -> Glibc.stat {
        var info = Glibc.stat()
        try sys("fstat") { fstat(raw, &info) }
        return info
    }

    public func sync(_ path: String? = nil) throws { try sys("fsync", path) { fsync(raw) } }

    /// Writes all of `buffer` at `offset` (pwrite loops on short writes).
    public func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64, path: String? = nil) throws {
        var done = 0
        while done < buffer.count {
            let count = try sysSize("pwrite", path) {
                pwrite(raw, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            }
            done += count
        }
    }

    /// Writes all of `buffer` at the current position.
    public func write(_ buffer: UnsafeRawBufferPointer, path: String? = nil) throws {
        var done = 0
        while done < buffer.count {
            done += try sysSize("write", path) { Glibc.write(raw, buffer.baseAddress! + done, buffer.count - done) }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, path: String? = nil) throws -> Int {
        try sysSize("read", path) { Glibc.read(raw, buffer.baseAddress, buffer.count) }
    }
}
