import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// A request body written to a temporary file, for operations that need a
/// seekable file (load reads tar members at their offsets; import reads
/// the tarball twice when it sniffs compression).
struct Spool {
    let path: String

    static func write(_ body: ByteStream, under directory: String) async throws -> Spool {
        mkdir(directory, 0o700)
        var template = Array("\(directory)/upload-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw BerthError(SystemError("mkstemp", path: directory, errno: errno), while: "spool the request body") }
        let spool = Spool(path: String(cString: template))
        defer { close(fd) }
        do {
            for try await chunk in body {
                var offset = 0
                while offset < chunk.count {
                    let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, chunk.count - offset) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw BerthError(SystemError("write", path: spool.path, errno: errno), while: "spool the request body")
                    }
                    offset += n
                }
            }
        } catch {
            spool.remove()
            throw error
        }
        return spool
    }

    func remove() { unlink(path) }
}

/// The read end of the pipe a save writes into. Reads block, but only
/// while the writer thread (busy reading the store) fills the pipe; the
/// fd closes when the stream holding this goes away, so a client that
/// hangs up gives the writer EPIPE and ends it.
final class PipeReader: @unchecked Sendable {
    private let fd: Int32
    private let lock = Lock()
    private var failure: (any Error)?

    init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Called by the writer before it closes its end.
    func fail(_ error: any Error) { lock.withLock { failure = error } }

    func next() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 { return Array(buffer[..<n]) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw BerthError(SystemError("read", path: "save pipe", errno: errno), while: "save images") }
            if let failure = lock.withLock({ failure }) { throw failure }
            return nil
        }
    }
}
