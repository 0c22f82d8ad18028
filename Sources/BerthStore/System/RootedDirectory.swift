import BerthSystem
import CArchive
import Glibc

/// A directory that paths are resolved inside, never by joining strings:
/// every lookup is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV) from the root's fd, so a symlink
/// or `..` planted by a hostile layer cannot lead outside (the rule of
/// ARCHITECTURE.md; apple/containerization's Mount.swift does the same).
/// Symlinks inside a path are refused outright: a layer tar never needs to
/// traverse one, and refusing makes "where did this write go" obvious.
final class RootedDirectory {
    let path: String
    let fd: FileDescriptor

    static let resolve = UInt64(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)

    init(path: String) throws {
        self.path = path
        fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
    }

    /// openat2 of `relative` (components joined with "/") inside the root.
    func open(_ components: [String], _ flags: Int32, mode: mode_t = 0) throws -> FileDescriptor {
        let relative = components.isEmpty ? "." : components.joined(separator: "/")
        let raw = try sys("openat2", relative) {
            berth_store_openat2(fd.raw, relative, UInt64(flags | O_CLOEXEC), UInt64(mode), Self.resolve)
        }
        return FileDescriptor(raw)
    }

    /// The directory `components`, created (0755, root-owned) where missing,
    /// as docker's MkdirAll of an entry's parents.
    func directory(_ components: [String], create: Bool) throws -> FileDescriptor {
        do {
            return try open(components, O_RDONLY | O_DIRECTORY)
        } catch let error as SystemError where error.errno == ENOENT && create && !components.isEmpty {
            var current = try open([], O_RDONLY | O_DIRECTORY)
            for component in components {
                if mkdirat(current.raw, component, 0o755) != 0 && errno != EEXIST {
                    throw SystemError("mkdirat", path: component, errno: errno)
                }
                // Single component, relative to a directory inside the root:
                // O_NOFOLLOW refuses a symlink in its place.
                current = FileDescriptor(try sys("openat", component) {
                    openat(current.raw, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                })
            }
            return current
        }
    }
}

/// lstat of `name` in `directory`; nil if absent.
func statAt(_ directory: Int32, _ name: String) throws -> stat? {
    var info = stat()
    if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return info }
    if errno == ENOENT { return nil }
    throw SystemError("fstatat", path: name, errno: errno)
}

/// rm -rf of `name` in `directory` through fds (no path is rebuilt).
func removeAt(_ directory: Int32, _ name: String) throws {
    guard let info = try statAt(directory, name) else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        let child = FileDescriptor(try sys("openat", name) { openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) })
        guard let dir = fdopendir(dup(child.raw)) else { throw SystemError("fdopendir", path: name, errno: errno) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if entryName != "." && entryName != ".." { names.append(entryName) }
        }
        closedir(dir)
        for entryName in names { try removeAt(child.raw, entryName) }
        try sys("unlinkat", name) { unlinkat(directory, name, AT_REMOVEDIR) }
    } else {
        try sys("unlinkat", name) { unlinkat(directory, name, 0) }
    }
}

/// Sets an xattr on `name` in `directory` without following a symlink
/// there. There is no lsetxattrat, so this goes through the directory's
/// /proc/self/fd entry, which names that exact directory.
func setXattrAt(_ directory: Int32, _ name: String, _ key: String, _ value: UnsafeRawBufferPointer) throws {
    let path = "/proc/self/fd/\(directory)/\(name)"
    try sys("lsetxattr \(key)", name) { lsetxattr(path, key, value.baseAddress, value.count, 0) }
}

extension FileDescriptor {
    /// openat2 of `relative` with this directory as "/" (RESOLVE_IN_ROOT |
    /// RESOLVE_NO_MAGICLINKS): symlinks are followed, but never out of it —
    /// how the engine reaches into a container's filesystem (docker cp).
    public func openInRoot(_ relative: String, _ flags: Int32) throws -> FileDescriptor {
        let path = relative.isEmpty ? "." : relative
        let directory = self.raw
        let opened = try sys("openat2", path) {
            berth_store_openat2(directory, path, UInt64(flags | O_CLOEXEC), 0, UInt64(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS))
        }
        return FileDescriptor(opened)
    }
}
