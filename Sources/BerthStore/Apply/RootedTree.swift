import BerthSystem
import CArchive
import Glibc

/// A root filesystem (a mounted snapshot) that files are read from and
/// written into by absolute image paths, as a build's COPY does: every
/// path is resolved by openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
/// RESOLVE_NO_XDEV) from the root's fd, so symlinks inside the image are
/// followed as the image sees them (docker's FollowSymlinkInScope) and
/// nothing can lead outside. The last component of a written path is
/// never followed: an existing entry there is replaced.
public final class RootedTree: @unchecked Sendable {
    public let path: String
    let fd: FileDescriptor

    static let resolve = UInt64(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

    /// The process's umask (read once: setting it back is the only way to read it).
    static let umask: mode_t = {
        let current = Glibc.umask(0o022)
        Glibc.umask(current)
        return current
    }()

    public init(path: String) throws {
        self.path = path
        fd = try step("open \(path)") { try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY) }
    }

    private static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
    }

    /// openat2 of the absolute image path inside the root.
    public func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> FileDescriptor {
        let relative = Self.components(path).joined(separator: "/")
        let target = relative.isEmpty ? "." : relative
        let raw = try sys("openat2", path) {
            berth_store_openat2(fd.raw, target, UInt64(flags | O_CLOEXEC), UInt64(mode), Self.resolve)
        }
        return FileDescriptor(raw)
    }

    /// Whether `path` is a directory (symlinks followed inside the root).
    public func isDirectory(_ path: String) -> Bool {
        (try? open(path, O_RDONLY | O_DIRECTORY)) != nil
    }

    /// The bytes of a regular file, nil when absent or not a file.
    public func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        guard let file = try? open(path, O_RDONLY | O_NOFOLLOW) else { return nil }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(file.raw, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result += buffer[..<n]
        }
        return result
    }

    /// What is at `path`, the last component not followed: its lstat
    /// and, for a symlink, the target; nil when absent.
    public func entry(_ path: String) -> (info: stat, linkTarget: String?)? {
        let parts = Self.components(path)
        guard let name = parts.last else {
            var info = stat()
            return fstat(fd.raw, &info) == 0 ? (info, nil) : nil
        }
        guard let parent = try? open("/" + parts.dropLast().joined(separator: "/"), O_RDONLY | O_DIRECTORY) else { return nil }
        var info = stat()
        guard fstatat(parent.raw, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFLNK else { return (info, nil) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(parent.raw, name, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return (info, String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The names in the directory at `path`, sorted; empty when it is none.
    public func list(_ path: String) -> [String] {
        guard let directory = try? open(path, O_RDONLY | O_DIRECTORY),
              let stream = fdopendir(dup(directory.raw)) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The directory at `path`, made where missing (docker's MkdirAll:
    /// missing parents 0755 root-owned; the last one with `mode`/`owner`).
    @discardableResult
    public func makeDirectory(_ path: String, mode: mode_t = 0o755, owner: (uid: UInt32, gid: UInt32)? = nil) throws -> FileDescriptor {
        if let existing = try? open(path, O_RDONLY | O_DIRECTORY) { return existing }
        let parts = Self.components(path)
        var made = try open("/", O_RDONLY | O_DIRECTORY)
        for index in parts.indices {
            let prefix = "/" + parts[...index].joined(separator: "/")
            if let existing = try? open(prefix, O_RDONLY | O_DIRECTORY) {
                made = existing
                continue
            }
            let parent = made
            let name = parts[index]
            let last = index == parts.count - 1
            if mkdirat(parent.raw, name, last ? mode : 0o755) != 0 && errno != EEXIST {
                throw BerthError(SystemError("mkdirat", path: prefix, errno: errno), while: "create directory \(prefix)")
            }
            made = try open(prefix, O_RDONLY | O_DIRECTORY)
            if last {
                // mkdir's mode goes through the umask; set the bits as asked.
                _ = try sys("fchmod", prefix) { fchmod(made.raw, mode) }
                if let owner { _ = try sys("fchown", prefix) { fchown(made.raw, owner.uid, owner.gid) } }
            }
        }
        return made
    }

    /// The parent directory of `path` (made where missing) and the last name.
    private func parent(of path: String) throws -> (FileDescriptor, String) {
        let parts = Self.components(path)
        guard let name = parts.last else {
            throw BerthError.invalidArgument("cannot write to the root directory itself")
        }
        return (try makeDirectory("/" + parts.dropLast().joined(separator: "/")), name)
    }

    /// Removes what is at `name` in `directory` unless it is a directory and `keepDirectory`.
    private func clear(_ directory: Int32, _ name: String, keepDirectory: Bool) throws {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if keepDirectory { return }
            throw BerthError.conflict("cannot replace directory \(name) with a file")
        }
        if unlinkat(directory, name, 0) != 0 && errno != ENOENT {
            throw SystemError("unlinkat", path: name, errno: errno)
        }
    }

    /// Writes a regular file at `path` with the bytes `fill` writes into its fd.
    public func writeFile(_ path: String, mode: mode_t, owner: (uid: UInt32, gid: UInt32)?,
                          _ fill: (Int32) throws -> Void) throws {
        let (directory, name) = try parent(of: path)
        try clear(directory.raw, name, keepDirectory: false)
        let file = FileDescriptor(try sys("openat", path) {
            openat(directory.raw, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        })
        try fill(file.raw)
        // A new file is already ours, with the mode less the umask: fix only what differs.
        if let owner, owner.uid != geteuid() || owner.gid != getegid() {
            _ = try sys("fchown", path) { fchown(file.raw, owner.uid, owner.gid) }
        }
        if mode & ~Self.umask != mode { _ = try sys("fchmod", path) { fchmod(file.raw, mode) } }
    }

    /// A symlink at `path` pointing at `target` (kept as written).
    public func symlink(_ path: String, target: String, owner: (uid: UInt32, gid: UInt32)?) throws {
        let (directory, name) = try parent(of: path)
        try clear(directory.raw, name, keepDirectory: false)
        _ = try sys("symlinkat", path) { symlinkat(target, directory.raw, name) }
        if let owner {
            _ = try sys("fchownat", path) { fchownat(directory.raw, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// The directory at `path` for a COPY of a directory: made (with mode
    /// and owner) when missing, an existing one kept as it is; a file in
    /// its place is replaced.
    public func directory(_ path: String, mode: mode_t, owner: (uid: UInt32, gid: UInt32)?) throws {
        if Self.components(path).isEmpty { return }
        let (directory, name) = try parent(of: path)
        try clear(directory.raw, name, keepDirectory: true)
        try makeDirectory(path, mode: mode, owner: owner)
    }
}

/// Copies `count` bytes of `source` from `offset` to `destination`'s position.
public func copyFileContents(from source: Int32, offset: Int64, count: Int64, to destination: Int32, path: String) throws {
    var position = offset
    var left = count
    while left > 0 {
        let n = berth_store_copy_file_range(source, &position, destination, UInt(min(left, 1 << 30)))
        if n > 0 { left -= Int64(n); continue }
        if n == 0 { throw BerthError.internalError("\(path): the source ended \(left) bytes early") }
        if errno == EINTR { continue }
        if errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP { break }
        throw SystemError("copy_file_range", path: path, errno: errno)
    }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while left > 0 {
        let n = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress, Int(min(Int64($0.count), left)), off_t(position)) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw SystemError("pread", path: path, errno: errno) }
        if n == 0 { throw BerthError.internalError("\(path): the source ended \(left) bytes early") }
        var done = 0
        while done < n {
            let w = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + done, n - done) }
            if w < 0 && errno == EINTR { continue }
            if w < 0 { throw SystemError("write", path: path, errno: errno) }
            done += w
        }
        position += Int64(n)
        left -= Int64(n)
    }
}
