#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem
import FoundationEssentials

/// Where a pulled blob's bytes go, in order, as they arrive (a content
/// store's ingest writer, a file, a hasher). Writes are synchronous: the
/// bytes are only valid during the call.
public protocol BlobSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A sink that keeps the bytes in memory (small blobs and tests only).
public struct MemorySink: BlobSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}

/// A sink that appends to an open file descriptor (the caller owns it).
public struct FileDescriptorSink: BlobSink {
    public let fd: Int32
    public let path: String
    public init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw BerthError(SystemError("write", path: path, errno: errno), while: "writing a blob to \(path)")
            }
            offset += n
        }
    }
}

/// Where a pushed blob's bytes come from: random access, so an upload can be
/// retried or sent in chunks without holding the blob in memory.
public protocol BlobSource: Sendable {
    /// Up to `count` bytes at `offset`; fewer only at the end.
    func read(at offset: Int64, count: Int) throws -> [UInt8]
}

/// A blob held in memory.
public struct BytesSource: BlobSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let start = Int(min(offset, Int64(bytes.count)))
        return Array(bytes[start..<min(start + count, bytes.count)])
    }
}

/// A blob in a file, read with pread(2).
public struct FileSource: BlobSource {
    public let path: String
    public init(path: String) { self.path = path }
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError(SystemError("open", path: path, errno: errno), while: "reading a blob to push") }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BerthError(SystemError("pread", path: path, errno: errno), while: "reading a blob to push")
            }
            if n == 0 { break }
            filled += n
        }
        out.removeLast(count - filled)
        return out
    }
}

/// What a blob fetch delivered.
public struct BlobFetchResult: Sendable, Equatable {
    /// Bytes handed to the sink by this call.
    public var bytesWritten: Int64
    /// The blob's full size, when the registry said.
    public var totalSize: Int64?
    /// True when the whole blob went through this call and matched its
    /// digest; a resumed fetch (offset > 0) cannot check it: the caller
    /// verifies what it kept plus what arrived.
    public var verified: Bool
}
