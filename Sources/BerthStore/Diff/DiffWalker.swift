import BerthSystem
import CArchive
import Glibc

/// The recursive walk of `Differ`: one tar entry per file, through fds
/// (the upper directory belongs to a container, which may have planted
/// symlinks; nothing here follows them).
struct DiffWalker {
    let archive: OpaquePointer
    let sink: LayerSink
    private var firstPathOfInode: [UInt64: String] = [:]

    init(archive: OpaquePointer, sink: LayerSink) {
        self.archive = archive
        self.sink = sink
    }

    mutating func walk(_ directory: FileDescriptor, prefix: String) throws {
        let names = try step("diff: list \(prefix.isEmpty ? "." : prefix)") { try entries(of: directory) }
        for name in names {
            let path = prefix + name
            do {
                try add(name, prefix: prefix, in: directory)
            } catch let error as SystemError {
                throw BerthError(error.code, "diff: \"\(path)\"", cause: error)
            }
        }
    }

    /// Adds `name` (found in `directory`) as the entry `prefix` + (`entryName` ?? `name`),
    /// and everything below it when it is a directory.
    mutating func add(_ name: String, prefix: String, in directory: FileDescriptor, as entryName: String? = nil) throws {
        let path = prefix + (entryName ?? name)
        guard var info = try statAt(directory.raw, name) else { return } // vanished while walking
        let type = info.st_mode & S_IFMT
        if type == S_IFCHR && info.st_rdev == 0 {
            // An overlay whiteout: the OCI form is an empty `.wh.` file.
            info.st_mode = S_IFREG | (info.st_mode & 0o777)
            info.st_size = 0
            try writeHeader(prefix + ".wh." + name, info, xattrs: [])
            return
        }
        switch type {
        case S_IFDIR:
            let child = try directory.openAt(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            let xattrs = try Self.xattrs(fd: child.raw)
            try writeHeader(path + "/", info, xattrs: xattrs)
            if xattrs.contains(where: { $0.0 == "trusted.overlay.opaque" && $0.1 == Array("y".utf8) }) {
                var marker = info
                marker.st_mode = S_IFREG | (info.st_mode & 0o777)
                marker.st_size = 0
                try writeHeader(path + "/.wh..wh..opq", marker, xattrs: [])
            }
            try walk(child, prefix: path + "/")
        case S_IFREG:
            if info.st_nlink > 1 {
                if let first = firstPathOfInode[UInt64(info.st_ino)] {
                    info.st_size = 0
                    try writeHeader(path, info, xattrs: [], hardlink: first)
                    return
                }
                firstPathOfInode[UInt64(info.st_ino)] = path
            }
            let file = try directory.openAt(name, O_RDONLY | O_NOFOLLOW)
            try writeHeader(path, info, xattrs: try Self.xattrs(fd: file.raw))
            try copy(file, size: Int64(info.st_size), path: path)
        case S_IFLNK:
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = try sysSize("readlinkat", path) { readlinkat(directory.raw, name, &target, target.count - 1) }
            try writeHeader(path, info, xattrs: try Self.xattrs(path: "/proc/self/fd/\(directory.raw)/\(name)"),
                            symlink: String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        case S_IFCHR, S_IFBLK, S_IFIFO:
            info.st_size = 0
            try writeHeader(path, info, xattrs: try Self.xattrs(path: "/proc/self/fd/\(directory.raw)/\(name)"))
        default:
            return // sockets are not part of a layer (docker skips them too)
        }
    }

    private func writeHeader(_ path: String, _ info: stat, xattrs: [(String, [UInt8])], symlink: String? = nil, hardlink: String? = nil) throws {
        guard let entry = archive_entry_new() else { throw BerthError(.resourceExhausted, "libarchive: cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, UInt32(info.st_mode & S_IFMT))
        archive_entry_set_perm(entry, info.st_mode & 0o7777)
        archive_entry_set_uid(entry, la_int64_t(info.st_uid))
        archive_entry_set_gid(entry, la_int64_t(info.st_gid))
        // Whole seconds: the same tree gives the same bytes (ustar has no nanoseconds).
        archive_entry_set_mtime(entry, info.st_mtim.tv_sec, 0)
        archive_entry_set_size(entry, la_int64_t(info.st_mode & S_IFMT == S_IFREG && hardlink == nil ? info.st_size : 0))
        let type = info.st_mode & S_IFMT
        if type == S_IFCHR || type == S_IFBLK {
            archive_entry_set_rdevmajor(entry, dev_t(berth_store_major(UInt64(info.st_rdev))))
            archive_entry_set_rdevminor(entry, dev_t(berth_store_minor(UInt64(info.st_rdev))))
        }
        if let symlink { archive_entry_set_symlink(entry, symlink) }
        if let hardlink { archive_entry_set_hardlink(entry, hardlink) }
        // overlayfs' own bookkeeping (origin, impure, opaque) is not content.
        for (key, value) in xattrs where !key.hasPrefix("trusted.overlay.") {
            value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, key, $0.baseAddress, $0.count) }
        }
        try check(archive_write_header(archive, entry), "header of \"\(path)\"")
    }

    private func copy(_ file: FileDescriptor, size: Int64, path: String) throws {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var remaining = size
        while remaining > 0 {
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0, path: path) }
            if count == 0 { break }
            let wanted = Int(min(Int64(count), remaining))
            let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, wanted) }
            if written < 0 { try check(Int32(written), "data of \"\(path)\"") }
            remaining -= Int64(wanted)
        }
        // A file that shrank while read is padded by libarchive; say so.
        if remaining > 0 { throw BerthError.conflict("diff: \"\(path)\" changed while it was read") }
    }

    func check(_ status: Int32, _ place: String) throws {
        if let failure = sink.failure {
            throw (failure as? BerthError) ?? BerthError.internalError("diff: writing \(place)", cause: failure)
        }
        guard status < ARCHIVE_WARN else { return }
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "error \(status)"
        throw BerthError.internalError("diff: libarchive \(place): \(message)")
    }

    private func entries(of directory: FileDescriptor) throws -> [String] {
        guard let dir = fdopendir(dup(directory.raw)) else { throw SystemError("fdopendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        // Bytewise order, like Go's sort of names in docker's walk.
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Every xattr of the object `path` names (without following a final
    /// symlink: for symlinks and device nodes, via /proc/self/fd/<dir>/<name>).
    static func xattrs(path: String) throws -> [(String, [UInt8])] {
        try xattrs(path, list: { llistxattr(path, $0, $1) }, get: { lgetxattr(path, $0, $1, $2) })
    }

    /// Every xattr of an open file or directory.
    static func xattrs(fd: Int32) throws -> [(String, [UInt8])] {
        try xattrs("fd \(fd)", list: { flistxattr(fd, $0, $1) }, get: { fgetxattr(fd, $0, $1, $2) })
    }

    private static func xattrs(_ what: String, list: (UnsafeMutablePointer<CChar>, Int) -> Int,
                               get: (String, UnsafeMutableRawPointer, Int) -> Int) throws -> [(String, [UInt8])] {
        var names = [CChar](repeating: 0, count: 65536)
        let length = names.withUnsafeMutableBufferPointer { list($0.baseAddress!, $0.count) }
        if length < 0 {
            if errno == ENOTSUP { return [] }
            throw SystemError("listxattr", path: what, errno: errno)
        }
        var result: [(String, [UInt8])] = []
        var start = 0
        while start < length {
            let key = names.withUnsafeBufferPointer { String(cString: $0.baseAddress! + start) }
            start += key.utf8.count + 1
            var value = [UInt8](repeating: 0, count: 65536)
            let count = value.withUnsafeMutableBytes { get(key, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == ENODATA { continue }
                throw SystemError("getxattr \(key)", path: what, errno: errno)
            }
            result.append((key, Array(value[0..<count])))
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
