import BerthOCI
import BerthSystem
import CZlib
import CZstd
import Glibc

/// How a layer blob is compressed, told by its first bytes.
public enum LayerCompression: String, Sendable {
    case none, gzip, zstd

    /// gzip starts 1f 8b, a zstd frame 28 b5 2f fd (RFC 1952, RFC 8878).
    static func detect(_ bytes: UnsafeRawBufferPointer) -> LayerCompression {
        if bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b { return .gzip }
        if bytes.count >= 4, bytes[0] == 0x28, bytes[1] == 0xb5, bytes[2] == 0x2f, bytes[3] == 0xfd { return .zstd }
        return .none
    }
}

/// Reads a layer from a file descriptor and hands out the uncompressed tar
/// in chunks, hashing both sides on the way: the compressed digest (what
/// the registry named the blob) and the diffID (sha256 of the tar, what the
/// image config lists). One pass, no copy on disk.
final class LayerStream {
    private let fd: Int32
    private let limit: Int64?
    private let capacity = 256 * 1024
    private let input: UnsafeMutableRawPointer
    private let output: UnsafeMutableRawPointer
    private var inputStart = 0, inputEnd = 0
    private var endOfInput = false

    private(set) var compression: LayerCompression = .none
    private(set) var compressedHasher = DigestHasher()
    private(set) var diffHasher = DigestHasher()
    private var detected = false

    private var zlib: UnsafeMutablePointer<z_stream>?
    private var gzipMemberEnded = false
    private var zstd: OpaquePointer?
    private var zstdFrameEnded = true

    /// The first error seen inside libarchive's read callback.
    var failure: (any Error)?

    init(fd: Int32, limit: Int64?) {
        self.fd = fd
        self.limit = limit
        input = .allocate(byteCount: capacity, alignment: 16)
        output = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        if let zlib {
            inflateEnd(zlib)
            zlib.deallocate()
        }
        if let zstd { ZSTD_freeDStream(zstd) }
        input.deallocate()
        output.deallocate()
    }

    var compressedSize: Int64 { compressedHasher.count }
    var uncompressedSize: Int64 { diffHasher.count }

    /// The next chunk of uncompressed tar, or nil at the end.
    func next() throws -> UnsafeRawBufferPointer? {
        if !detected { try detect() }
        let chunk: UnsafeRawBufferPointer?
        switch compression {
        case .none: chunk = try nextPlain()
        case .gzip: chunk = try nextGzip()
        case .zstd: chunk = try nextZstd()
        }
        if let chunk {
            diffHasher.update(chunk)
            if let limit, diffHasher.count > limit {
                throw BerthError(.resourceExhausted, "layer is larger than the limit of \(limit) bytes uncompressed")
            }
        }
        return chunk
    }

    /// Reads what remains (tar padding after the end-of-archive blocks) so
    /// both digests cover the whole blob.
    func drain() throws {
        while try next() != nil {}
    }

    private var pending: Int { inputEnd - inputStart }

    /// Reads more compressed input; false at end of file.
    private func fill() throws -> Bool {
        if endOfInput { return false }
        if inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
        if inputEnd == capacity {
            memmove(input, input + inputStart, pending)
            inputEnd -= inputStart
            inputStart = 0
        }
        let count = try sysSize("read", "layer stream") { read(fd, input + inputEnd, capacity - inputEnd) }
        if count == 0 {
            endOfInput = true
            return false
        }
        compressedHasher.update(UnsafeRawBufferPointer(start: input + inputEnd, count: count))
        inputEnd += count
        return true
    }

    private func detect() throws {
        while pending < 4, try fill() {}
        compression = LayerCompression.detect(UnsafeRawBufferPointer(start: input + inputStart, count: pending))
        detected = true
        switch compression {
        case .none: break
        case .gzip:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // 15 + 16: a gzip wrapper, not zlib's (inflateInit2 is a macro).
            guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                stream.deallocate()
                throw BerthError.internalError("gzip: inflateInit2 failed")
            }
            zlib = stream
        case .zstd:
            guard let stream = ZSTD_createDStream() else { throw BerthError(.resourceExhausted, "zstd: cannot allocate a decompression stream") }
            ZSTD_initDStream(stream)
            zstd = stream
        }
    }

    private func nextPlain() throws -> UnsafeRawBufferPointer? {
        if pending == 0, !(try fill()) { return nil }
        let chunk = UnsafeRawBufferPointer(start: input + inputStart, count: pending)
        inputStart = inputEnd
        return chunk
    }

    private func nextGzip() throws -> UnsafeRawBufferPointer? {
        guard let zlib else { return nil }
        while true {
            if pending == 0, !(try fill()) {
                if gzipMemberEnded { return nil }
                throw BerthError.invalidArgument("gzip layer is truncated after \(compressedSize) bytes")
            }
            if gzipMemberEnded {
                // More bytes after a gzip member: the next member (RFC 1952 allows several).
                inflateReset(zlib)
                gzipMemberEnded = false
            }
            zlib.pointee.next_in = (input + inputStart).assumingMemoryBound(to: Bytef.self)
            zlib.pointee.avail_in = uInt(pending)
            zlib.pointee.next_out = output.assumingMemoryBound(to: Bytef.self)
            zlib.pointee.avail_out = uInt(capacity)
            let status = inflate(zlib, Z_NO_FLUSH)
            inputStart = inputEnd - Int(zlib.pointee.avail_in)
            let produced = capacity - Int(zlib.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: gzipMemberEnded = true
            default:
                let message = zlib.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw BerthError.invalidArgument("gzip layer is corrupt at byte \(compressedSize - Int64(pending)): \(message)")
            }
            if produced > 0 { return UnsafeRawBufferPointer(start: output, count: produced) }
        }
    }

    private func nextZstd() throws -> UnsafeRawBufferPointer? {
        guard let zstd else { return nil }
        while true {
            if pending == 0, !(try fill()) {
                if zstdFrameEnded { return nil }
                throw BerthError.invalidArgument("zstd layer is truncated after \(compressedSize) bytes")
            }
            var source = ZSTD_inBuffer(src: input + inputStart, size: pending, pos: 0)
            var target = ZSTD_outBuffer(dst: output, size: capacity, pos: 0)
            let status = ZSTD_decompressStream(zstd, &target, &source)
            if ZSTD_isError(status) != 0 {
                throw BerthError.invalidArgument("zstd layer is corrupt: \(String(cString: ZSTD_getErrorName(status)))")
            }
            inputStart += source.pos
            zstdFrameEnded = status == 0
            if target.pos > 0 { return UnsafeRawBufferPointer(start: output, count: target.pos) }
        }
    }
}
