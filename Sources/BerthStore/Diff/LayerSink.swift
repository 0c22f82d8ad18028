import BerthOCI
import BerthSystem
import CZlib
import Glibc

/// The output end of `Differ`: takes the tar libarchive writes, hashes it
/// (the diffID), gzips it if asked, hashes and writes what goes out.
final class LayerSink {
    private let fd: Int32
    let compression: LayerCompression
    private(set) var diffHasher = DigestHasher()
    private(set) var outputHasher = DigestHasher()
    private var zlib: UnsafeMutablePointer<z_stream>?
    private let capacity = 256 * 1024
    private let buffer: UnsafeMutableRawPointer
    var failure: (any Error)?

    init(fd: Int32, compression: LayerCompression) throws {
        guard compression != .zstd else { throw BerthError(.notImplemented, "diff: zstd output is not supported; use gzip or none") }
        self.fd = fd
        self.compression = compression
        buffer = .allocate(byteCount: capacity, alignment: 16)
        if compression == .gzip {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // 15 + 16 asks for a gzip wrapper; level 6 is gzip's (and Go's) default.
            guard deflateInit2_(stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                stream.deallocate()
                buffer.deallocate()
                throw BerthError.internalError("gzip: deflateInit2 failed")
            }
            zlib = stream
        }
    }

    deinit {
        if let zlib {
            deflateEnd(zlib)
            zlib.deallocate()
        }
        buffer.deallocate()
    }

    var tarSize: Int64 { diffHasher.count }
    var outputSize: Int64 { outputHasher.count }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        diffHasher.update(bytes)
        guard let zlib else { return try emit(bytes) }
        zlib.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        zlib.pointee.avail_in = uInt(bytes.count)
        try deflateAll(Z_NO_FLUSH)
    }

    /// Flushes the compressor; call once after the last write.
    func finish() throws {
        if zlib != nil { try deflateAll(Z_FINISH) }
    }

    private func deflateAll(_ flush: Int32) throws {
        guard let zlib else { return }
        repeat {
            zlib.pointee.next_out = buffer.assumingMemoryBound(to: Bytef.self)
            zlib.pointee.avail_out = uInt(capacity)
            let status = deflate(zlib, flush)
            guard status != Z_STREAM_ERROR else { throw BerthError.internalError("gzip: deflate failed") }
            let produced = capacity - Int(zlib.pointee.avail_out)
            if produced > 0 { try emit(UnsafeRawBufferPointer(start: buffer, count: produced)) }
            if flush == Z_FINISH, status == Z_STREAM_END { return }
        } while zlib.pointee.avail_out == 0 || flush == Z_FINISH
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        outputHasher.update(bytes)
        var done = 0
        while done < bytes.count {
            done += try sysSize("write", "diff output") { Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done) }
        }
    }
}
