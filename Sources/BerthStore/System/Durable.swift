// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
import Glibc

/// Durable-write helpers: the architecture's rule is temp name, fsync,
/// rename, fsync the directory, so a power cut leaves the old file or the
/// new one, never a torn one.
enum Durable {
    /// mkdir -p with `mode` for the directories it creates.
    static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw SystemError("mkdir", path: current, errno: errno)
            }
        }
        var info = stat()
        try sys("stat", path) { stat(path, &info) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw SystemError("mkdir", path: path, errno: ENOTDIR) }
    }

    /// fsync a directory so renames and unlinks in it are on disk.
    static func syncDirectory(_ path: String) throws {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        try fd.sync(path)
    }

    /// Replaces `path` with `bytes` durably.
    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
        let temporary = path + ".tmp"
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        try bytes.withUnsafeBytes { try fd.write($0, path: temporary) }
        try fd.sync(temporary)
        try sys("rename", path) { rename(temporary, path) }
        try syncDirectory(parent(of: path))
    }

    /// Reads a whole (small) file.
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, path: path) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// rm -rf that does not follow symlinks (unlinks them) and refuses to
    /// cross into another filesystem: a mount left on a snapshot must fail
    /// the removal (EBUSY), not have its contents deleted.
    static func removeTree(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return }
            throw SystemError("lstat", path: path, errno: errno)
        }
        try removeTree(path, info: info, device: info.st_dev)
    }

    private static func removeTree(_ path: String, info: stat, device: dev_t) throws {
        guard info.st_mode & S_IFMT == S_IFDIR else {
            try sys("unlink", path) { unlink(path) }
            return
        }
        guard info.st_dev == device else { throw SystemError("remove (mount point)", path: path, errno: EBUSY) }
        for name in try directoryEntries(path) {
            let child = path + "/" + name
            var childInfo = stat()
            try sys("lstat", child) { lstat(child, &childInfo) }
            try removeTree(child, info: childInfo, device: device)
        }
        try sys("rmdir", path) { rmdir(path) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Names in a directory (without . and ..); empty if it does not exist.
func directoryEntries(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
        if errno == ENOENT { return [] }
        throw SystemError("opendir", path: path, errno: errno)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
