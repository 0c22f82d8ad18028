// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// Produces a tar stream (ustar, with pax headers for long names) of local
/// files chunk by chunk, for request bodies: the build context and `cp`
/// into a container. Entries are listed first (lstat, no reading), file
/// contents are read as the stream is pulled.
final class TarProducer {
    struct Entry {
        var path: String   // on disk
        var name: String   // in the archive
    }
    private var entries: [Entry]
    private var index = 0
    private var openFile: Int32 = -1
    private var remaining: Int64 = 0
    private var padding = 0
    private var finished = false

    init(entries: [Entry]) { self.entries = entries }

    /// Every file under `root` (root itself as `name`, its children below it),
    /// skipping what `excluded` says (relative paths, `/`-separated).
    static func walk(_ root: String, as name: String, excluded: (String) -> Bool = { _ in false }) throws -> [Entry] {
        var entries = [Entry(path: root, name: name)]
        var st = stat()
        guard lstat(root, &st) == 0 else { throw BerthError(SystemError("lstat", path: root, errno: errno), while: "read \(root)") }
        guard st.st_mode & S_IFMT == S_IFDIR else { return entries }
        func visit(_ directory: String, _ relative: String) throws {
            guard let handle = opendir(directory) else { throw BerthError(SystemError("opendir", path: directory, errno: errno), while: "read \(directory)") }
            defer { closedir(handle) }
            var names: [String] = []
            while let item = readdir(handle) {
                let child = withUnsafePointer(to: item.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if child != "." && child != ".." { names.append(child) }
            }
            for child in names.sorted() {
                let rel = relative.isEmpty ? child : relative + "/" + child
                if excluded(rel) { continue }
                let path = directory + "/" + child
                entries.append(Entry(path: path, name: name.isEmpty ? rel : name + "/" + rel))
                var cst = stat()
                if lstat(path, &cst) == 0, cst.st_mode & S_IFMT == S_IFDIR { try visit(path, rel) }
            }
        }
        try visit(root, "")
        if name.isEmpty { entries.removeFirst() }
        return entries
    }

    /// The next chunk of the archive; nil after the end-of-archive blocks.
    func next() throws -> [UInt8]? {
        if openFile >= 0 {
            if remaining > 0 {
                var buffer = [UInt8](repeating: 0, count: Int(min(remaining, 1 << 16)))
                let n = buffer.withUnsafeMutableBytes { read(openFile, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { return [] }; throw SystemError("read", errno: errno) }
                // A file that shrank while it was read is padded with zeros to its announced size.
                let chunk = n == 0 ? [UInt8](repeating: 0, count: buffer.count) : Array(buffer.prefix(n))
                remaining -= Int64(chunk.count)
                return chunk
            }
            close(openFile)
            openFile = -1
            return [UInt8](repeating: 0, count: padding)
        }
        guard index < entries.count else {
            if finished { return nil }
            finished = true
            return [UInt8](repeating: 0, count: 1024)
        }
        let entry = entries[index]
        index += 1
        return try header(entry)
    }

    private func header(_ entry: Entry) throws -> [UInt8] {
        var st = stat()
        guard lstat(entry.path, &st) == 0 else { throw BerthError(SystemError("lstat", path: entry.path, errno: errno), while: "read \(entry.path)") }
        var name = entry.name
        var type = UInt8(ascii: "0"), size: Int64 = 0, link = ""
        switch st.st_mode & S_IFMT {
        case S_IFDIR: type = UInt8(ascii: "5"); if !name.hasSuffix("/") { name += "/" }
        case S_IFLNK:
            type = UInt8(ascii: "2")
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(entry.path, &buffer, buffer.count - 1)
            if n >= 0 { link = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        case S_IFREG:
            size = Int64(st.st_size)
            openFile = open(entry.path, O_RDONLY | O_CLOEXEC)
            guard openFile >= 0 else { throw BerthError(SystemError("open", path: entry.path, errno: errno), while: "read \(entry.path)") }
            remaining = size
            padding = Int((512 - size % 512) % 512)
        default:
            return []  // sockets, fifos and devices are not sent (docker's client skips them too)
        }
        var out: [UInt8] = []
        var pax: [(String, String)] = []
        if name.utf8.count > 100 { pax.append(("path", name)) }
        if link.utf8.count > 100 { pax.append(("linkpath", link)) }
        if !pax.isEmpty {
            var body: [UInt8] = []
            for (key, value) in pax {
                let record = " \(key)=\(value)\n"
                var length = record.utf8.count + 1
                while String(length).utf8.count + record.utf8.count != length { length += 1 }
                body += Array((String(length) + record).utf8)
            }
            out += Self.block(name: "PaxHeaders/" + String(name.suffix(80)), mode: 0o644, uid: 0, gid: 0, size: Int64(body.count),
                              mtime: Int64(st.st_mtim.tv_sec), type: UInt8(ascii: "x"), link: "")
            out += body + [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
        }
        out += Self.block(name: name, mode: Int(st.st_mode & 0o7777), uid: Int(st.st_uid), gid: Int(st.st_gid), size: size,
                          mtime: Int64(st.st_mtim.tv_sec), type: type, link: link)
        return out
    }

    /// One 512-byte ustar header.
    static func block(name: String, mode: Int, uid: Int, gid: Int, size: Int64, mtime: Int64, type: UInt8, link: String) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int, _ length: Int) {
            for (i, byte) in text.utf8.prefix(length).enumerated() { header[offset + i] = byte }
        }
        func octal(_ value: Int64, _ offset: Int, _ length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, offset, length - 1)
        }
        put(name, 0, 100)
        octal(Int64(mode), 100, 8)
        octal(Int64(uid), 108, 8)
        octal(Int64(gid), 116, 8)
        octal(size, 124, 12)
        octal(mtime, 136, 12)
        header[156] = type
        put(link, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        for i in 148..<156 { header[i] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(Int64(sum), 148, 7)
        header[155] = 32
        return header
    }
}
