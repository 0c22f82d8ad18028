import BerthSystem
import Glibc

/// Calls a system call returning -1/errno, retrying EINTR, and throws a
/// SystemError naming the call and its path (BerthStore's `sys`).
@discardableResult
func sys(_ call: String, _ path: String? = nil, _ body: () -> Int32) throws -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw SystemError(call, path: path, errno: errno)
    }
}

/// The ssize_t variant of `sys`.
@discardableResult
func sysSize(_ call: String, _ path: String? = nil, _ body: () -> Int) throws -> Int {
    while true {
        let result = body()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw SystemError(call, path: path, errno: errno)
    }
}

/// Runs `body`, turning a SystemError into a BerthError naming the step.
@discardableResult
func step<T>(_ description: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SystemError {
        throw BerthError(error, while: description())
    }
}

/// Reads up to `count` bytes at `offset` into a fresh array (short only at EOF).
func preadAll(_ fd: Int32, offset: Int64, count: Int, path: String) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        let n = try out.withUnsafeMutableBytes { raw in
            try sysSize("pread", path) { pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
        }
        if n == 0 { break }
        filled += n
    }
    out.removeLast(count - filled)
    return out
}

/// Writes all of `buffer` to `fd` at its current position.
func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
    var done = 0
    while done < buffer.count {
        done += try sysSize("write", path) { Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done) }
    }
}
