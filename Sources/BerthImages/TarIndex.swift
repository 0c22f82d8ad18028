// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
import Glibc

/// The entries of a tar archive on disk, indexed by cleaned name, read
/// without extracting anything: `load` reads manifest.json, configs and
/// layers straight out of the archive file at their offsets. Understands
/// ustar (with prefix), GNU long names (`L`) and pax `path`/`size`
/// records, which is what docker, podman, skopeo and Go's archive/tar write.
/// The build reads its context the same way (`BerthEngine.TarContext`).
public struct TarIndex: Sendable {
    public enum Kind: Equatable, Sendable {
        case file, directory, symlink(String), hardlink(String), other
    }

    public struct Entry: Equatable, Sendable {
        public var name: String
        public var kind: Kind
        /// Offset of the data in the archive file.
        public var offset: Int64
        public var size: Int64
        /// Permission bits (mode & 07777) and modification time (seconds).
        public var mode: UInt32 = 0o644
        public var mtime: Int64 = 0
    }

    public let path: String
    public private(set) var entries: [String: Entry] = [:]

    /// Scans the archive at `path`. Names that are absolute or climb out
    /// with `..` make the archive invalid (it was made to attack whoever
    /// extracts it), as does a header with a bad checksum.
    public init(path: String, fd: Int32) throws {
        self.path = path
        let fileSize = Int64(try step("stat \(path)") { () throws -> Int in
            var info = stat()
            try sys("fstat", path) { fstat(fd, &info) }
            return Int(info.st_size)
        })
        var offset: Int64 = 0
        var longName: String?
        var paxPath: String?
        var paxSize: Int64?
        var zeroBlocks = 0
        while offset + 512 <= fileSize {
            let block = try preadAll(fd, offset: offset, count: 512, path: path)
            if block.allSatisfy({ $0 == 0 }) {
                zeroBlocks += 1
                if zeroBlocks == 2 { break }
                offset += 512
                continue
            }
            zeroBlocks = 0
            guard Self.checksumOK(block) else {
                throw BerthError.invalidArgument("\(path) is not a valid tar archive: bad header checksum at byte \(offset)")
            }
            let type = block[156]
            var size = Self.number(block[124..<136])
            guard size >= 0 else { throw BerthError.invalidArgument("\(path): tar header at byte \(offset) has an invalid size") }
            if let paxSize { size = paxSize }
            let dataOffset = offset + 512
            guard dataOffset + size <= fileSize else {
                throw BerthError.invalidArgument("\(path) is truncated: the entry at byte \(offset) needs \(size) bytes past the end of the file")
            }
            offset = dataOffset + (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "L"):
                longName = Self.string(try preadAll(fd, offset: dataOffset, count: Int(size), path: path)[...])
                continue
            case UInt8(ascii: "x"):
                let records = try preadAll(fd, offset: dataOffset, count: Int(min(size, 1 << 20)), path: path)
                (paxPath, paxSize) = Self.pax(records)
                continue
            case UInt8(ascii: "g"):
                continue
            default:
                break
            }
            var name = Self.string(block[0..<100])
            let prefix = Self.string(block[345..<500])
            if block[257..<262].elementsEqual("ustar".utf8), !prefix.isEmpty { name = prefix + "/" + name }
            name = paxPath ?? longName ?? name
            let linkName = Self.string(block[157..<257])
            longName = nil; paxPath = nil; paxSize = nil
            let clean = try Self.clean(name, archive: path)
            let kind: Kind
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "2"): kind = .symlink(linkName)
            case UInt8(ascii: "1"): kind = .hardlink(try Self.clean(linkName, archive: path))
            default: kind = .other
            }
            if clean.isEmpty { continue }
            entries[clean] = Entry(name: clean, kind: kind, offset: dataOffset, size: size,
                                   mode: UInt32(truncatingIfNeeded: Self.number(block[100..<108])) & 0o7777,
                                   mtime: Self.number(block[136..<148]))
        }
    }

    /// The regular file named `name` (a cleaned path inside the archive),
    /// following symlinks and hard links inside the archive (old `docker
    /// save` links a repeated layer.tar to the first). Never leaves it.
    func file(_ name: String, what: String) throws -> Entry {
        var current = try Self.clean(name, archive: path)
        for _ in 0..<16 {
            guard let entry = entries[current] else {
                throw BerthError.invalidArgument("\(what) \"\(name)\" is not in the archive \(path)")
            }
            switch entry.kind {
            case .file: return entry
            case .hardlink(let target): current = target
            case .symlink(let target):
                let base = target.hasPrefix("/") ? "" : current.split(separator: "/").dropLast().joined(separator: "/")
                current = try Self.clean(base.isEmpty ? target : base + "/" + target, archive: path)
            default:
                throw BerthError.invalidArgument("\(what) \"\(name)\" in \(path) is not a regular file")
            }
        }
        throw BerthError.invalidArgument("\(what) \"\(name)\" in \(path): too many links")
    }

    /// Reads a small entry whole (at most `limit` bytes).
    func read(_ entry: Entry, fd: Int32, limit: Int = 16 << 20) throws -> [UInt8] {
        guard entry.size <= limit else {
            throw BerthError.invalidArgument("\(entry.name) in \(path) is \(entry.size) bytes, more than the \(limit) allowed for it")
        }
        return try preadAll(fd, offset: entry.offset, count: Int(entry.size), path: path)
    }

    /// `./a//b` → `a/b`; absolute names and `..` escaping the root are refused.
    static func clean(_ raw: String, archive: String) throws -> String {
        var parts: [Substring] = []
        if raw.hasPrefix("/") {
            throw BerthError.invalidArgument("archive \(archive): entry \"\(raw)\" has an absolute path")
        }
        for part in raw.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else {
                    throw BerthError.invalidArgument("archive \(archive): entry \"\(raw)\" points outside the archive (path traversal)")
                }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    private static func checksumOK(_ block: [UInt8]) -> Bool {
        let stored = number(block[148..<156])
        var sum: Int64 = 0
        for (i, b) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(b) }
        return stored == sum
    }

    /// An octal field, or GNU's base-256 for large sizes.
    private static func number(_ field: ArraySlice<UInt8>) -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            return field.dropFirst().reduce(Int64(first & 0x7f)) { $0 << 8 | Int64($1) }
        }
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self).trimmingSpaces
        return text.isEmpty ? 0 : Int64(text, radix: 8) ?? -1
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// pax records: "LEN key=value\n".
    private static func pax(_ bytes: [UInt8]) -> (String?, Int64?) {
        var path: String?, size: Int64?
        var i = 0
        while i < bytes.count {
            guard let space = bytes[i...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: bytes[i..<space], as: UTF8.self)), length > 0, i + length <= bytes.count else { break }
            let record = String(decoding: bytes[(space + 1)..<(i + length - 1)], as: UTF8.self)
            if let equals = record.firstIndex(of: "=") {
                let key = record[..<equals], value = String(record[record.index(after: equals)...])
                if key == "path" { path = value }
                if key == "size" { size = Int64(value) }
            }
            i += length
        }
        return (path, size)
    }
}

private extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
