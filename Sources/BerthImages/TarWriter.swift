import BerthSystem
import Glibc

/// Writes a ustar archive to a file descriptor: directories and regular
/// files, owned by root, fixed mtime, as `docker save` writes its archives
/// (moby image/tarexport/save.go). Names must fit ustar's 100 bytes, which
/// the archive's own names (`blobs/sha256/<64 hex>`) do.
struct TarWriter {
    let fd: Int32
    let path: String
    /// docker save uses the image's creation time; a fixed one keeps output reproducible.
    var mtime: Int = 0

    func directory(_ name: String) throws {
        try header(name.hasSuffix("/") ? name : name + "/", size: 0, type: UInt8(ascii: "5"), mode: 0o755)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws {
        try header(name, size: Int64(bytes.count), type: UInt8(ascii: "0"), mode: 0o644)
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        try pad(Int64(bytes.count))
    }

    /// A file whose `size` bytes `body` writes through the callback.
    func file(_ name: String, size: Int64, _ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try header(name, size: size, type: UInt8(ascii: "0"), mode: 0o644)
        var written: Int64 = 0
        try body { chunk in
            try writeAll(fd, chunk, path: path)
            written += Int64(chunk.count)
        }
        guard written == size else {
            throw BerthError.internalError("tar entry \(name): wrote \(written) bytes of the announced \(size)")
        }
        try pad(size)
    }

    /// The end-of-archive marker: two zero blocks.
    func finish() throws {
        let zeros = [UInt8](repeating: 0, count: 1024)
        try zeros.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    private func pad(_ size: Int64) throws {
        let rest = Int((512 - size % 512) % 512)
        guard rest > 0 else { return }
        let zeros = [UInt8](repeating: 0, count: rest)
        try zeros.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    private func header(_ name: String, size: Int64, type: UInt8, mode: Int) throws {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 100 else { throw BerthError.internalError("tar entry name \(name) is longer than 100 bytes") }
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int64, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(Int64(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(Int64(mtime), width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        block[156] = type
        put(Array("ustar\u{0}00".utf8), at: 257)
        let sum = block.reduce(0) { $0 + Int64($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        try block.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }
}
