import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// Extracts a tar stream from the daemon (`cp` out of a container) into a
/// local directory: regular files, directories, symlinks and hard links;
/// pax and GNU long names. `rename` maps the archive's first component (the
/// copied path's base name) to the name the user asked for. Names that are
/// absolute or climb out with `..` are refused.
struct TarExtractor {
    let destination: String
    var rename: String?

    func extract(from source: some ByteReader) throws {
        var reader = BlockReader(source: source)
        var paxPath: String?, paxLink: String?, longName: String?, longLink: String?
        while let header = try reader.take(512) {
            guard header.count == 512 else { throw BerthError.invalidArgument("truncated tar stream from the daemon") }
            if header.allSatisfy({ $0 == 0 }) { break }
            let size = Int(Self.octal(header[124..<136]))
            let type = header[156]
            let body = { () throws -> [UInt8] in
                let data = try reader.take(size) ?? []
                _ = try reader.take((512 - size % 512) % 512)
                return data
            }
            switch type {
            case UInt8(ascii: "x"):
                for (key, value) in Self.pax(try body()) {
                    if key == "path" { paxPath = value } else if key == "linkpath" { paxLink = value }
                }
                continue
            case UInt8(ascii: "g"): _ = try body(); continue
            case UInt8(ascii: "L"): longName = Self.string(try body()[...]); continue
            case UInt8(ascii: "K"): longLink = Self.string(try body()[...]); continue
            default: break
            }
            var name = paxPath ?? longName ?? Self.name(header)
            let link = paxLink ?? longLink ?? Self.string(header[157..<257])
            paxPath = nil; paxLink = nil; longName = nil; longLink = nil
            while name.hasPrefix("./") { name.removeFirst(2) }
            while name.hasSuffix("/") { name.removeLast() }
            var parts = name.split(separator: "/").map(String.init)
            guard !name.hasPrefix("/"), !parts.contains("..") else {
                throw BerthError.invalidArgument("refusing to extract \(name): it leaves the destination")
            }
            if let rename, !parts.isEmpty { parts[0] = rename }
            let path = ([destination] + parts).joined(separator: "/")
            let mode = mode_t(Self.octal(header[100..<108]) & 0o7777)
            switch type {
            case UInt8(ascii: "5"):
                if mkdir(path, mode) != 0 && errno != EEXIST { throw BerthError(SystemError("mkdir", path: path, errno: errno), while: "extract \(name)") }
            case UInt8(ascii: "2"):
                unlink(path)
                if symlink(link, path) != 0 { throw BerthError(SystemError("symlink", path: path, errno: errno), while: "extract \(name)") }
            case UInt8(ascii: "1"):
                var linkParts = link.split(separator: "/").map(String.init)
                guard !link.hasPrefix("/"), !linkParts.contains("..") else { throw BerthError.invalidArgument("refusing hard link \(name) to \(link)") }
                if let rename, !linkParts.isEmpty { linkParts[0] = rename }
                unlink(path)
                if Glibc.link(([destination] + linkParts).joined(separator: "/"), path) != 0 {
                    throw BerthError(SystemError("link", path: path, errno: errno), while: "extract \(name)")
                }
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                unlink(path)
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
                guard fd >= 0 else { throw BerthError(SystemError("open", path: path, errno: errno), while: "extract \(name)") }
                var left = size
                while left > 0 {
                    guard let chunk = try reader.take(min(left, 1 << 16)), !chunk.isEmpty else { close(fd); throw BerthError.invalidArgument("truncated tar stream from the daemon") }
                    writeAll(fd, chunk)
                    left -= chunk.count
                }
                fchmod(fd, mode)
                close(fd)
                _ = try reader.take((512 - size % 512) % 512)
            default:
                _ = try body()  // devices and fifos are not made by cp (docker's client does not either without root)
            }
        }
    }

    static func octal(_ field: ArraySlice<UInt8>) -> Int64 {
        if let first = field.first, first & 0x80 != 0 {  // base-256 for large sizes
            return field.dropFirst().reduce(Int64(first & 0x7f)) { $0 << 8 | Int64($1) }
        }
        var value: Int64 = 0
        for byte in field where byte >= 48 && byte <= 55 { value = value * 8 + Int64(byte - 48) }
        return value
    }

    static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func name(_ header: [UInt8]) -> String {
        let base = string(header[0..<100])
        let prefix = string(header[345..<500])
        return prefix.isEmpty || header[257..<262] != Array("ustar".utf8)[...] ? base : prefix + "/" + base
    }

    static func pax(_ body: [UInt8]) -> [(String, String)] {
        var records: [(String, String)] = []
        var rest = body[...]
        while let space = rest.firstIndex(of: 32), let length = Int(String(decoding: rest[..<space], as: UTF8.self)), length > 0,
              rest.count >= length {
            let record = rest[rest.index(after: space)..<rest.index(rest.startIndex, offsetBy: length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records.append((String(decoding: record[..<equals], as: UTF8.self), String(decoding: record[record.index(after: equals)...], as: UTF8.self)))
            }
            rest = rest.dropFirst(length)
        }
        return records
    }
}

/// Exact-size reads over a ByteReader.
struct BlockReader<Source: ByteReader> {
    let source: Source
    var pending: [UInt8] = []

    /// `count` bytes (fewer only at the end); nil at the end with nothing left.
    mutating func take(_ count: Int) throws -> [UInt8]? {
        if count == 0 { return [] }
        while pending.count < count {
            let chunk = try source.read(max: 1 << 16)
            if chunk.isEmpty { break }
            pending += chunk
        }
        if pending.isEmpty { return nil }
        let n = min(count, pending.count)
        defer { pending.removeFirst(n) }
        return Array(pending.prefix(n))
    }
}
