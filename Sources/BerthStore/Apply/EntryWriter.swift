import BerthSystem
import CArchive
import Glibc

/// Creates one tar entry at a time inside a `RootedDirectory`, with
/// ownership, mode (including setuid), xattrs (including
/// security.capability) and times, in the order that keeps them: chown
/// before chmod (chown clears setuid) and before xattrs (it clears
/// security.capability). Directory times are set at the end, after their
/// contents stopped changing them (docker's pkg/archive does the same).
struct EntryWriter {
    let root: RootedDirectory
    private(set) var unpackedSize: Int64 = 0
    private var directoryTimes: [([String], timespec, timespec)] = []
    private var cachedParent: ([String], FileDescriptor)?
    /// `.wh.` entries become overlay whiteouts (a layer); false: plain files (docker cp).
    let whiteouts: Bool
    /// docker cp's noOverwriteDirNonDir: a directory never replaces a
    /// non-directory, nor the other way round.
    let noOverwriteDirNonDir: Bool

    init(root: RootedDirectory, whiteouts: Bool = true, noOverwriteDirNonDir: Bool = false) {
        self.root = root
        self.whiteouts = whiteouts
        self.noOverwriteDirNonDir = noOverwriteDirNonDir
    }

    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    mutating func write(_ entry: OpaquePointer, name: String, archive: OpaquePointer, stream: LayerStream) throws {
        let path = try ArchivePath(name, entry: name)
        if path.isRoot { return } // "./": the snapshot directory itself stays as created
        let parent = try parentDirectory(path.parent)

        if whiteouts, path.name == Self.opaqueMarker {
            try setXattrAt(parent.raw, ".", "trusted.overlay.opaque", value: "y")
            return
        }
        if whiteouts, path.name.hasPrefix(Self.whiteoutPrefix + Self.whiteoutPrefix) { return } // aufs metadata (.wh..wh.plnk…)
        if whiteouts, path.name.hasPrefix(Self.whiteoutPrefix) {
            let hidden = String(path.name.dropFirst(Self.whiteoutPrefix.count))
            guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                throw BerthError.invalidArgument("invalid whiteout name \"\(path.name)\"")
            }
            try replaceExisting(parent.raw, hidden, keepDirectory: false)
            try sys("mknodat(whiteout)", hidden) { mknodat(parent.raw, hidden, S_IFCHR, 0) }
            try own(parent.raw, hidden, entry)
            var times = [Self.atime(entry), Self.mtime(entry)]
            try sys("utimensat", hidden) { utimensat(parent.raw, hidden, &times, AT_SYMLINK_NOFOLLOW) }
            return
        }

        let type = archive_entry_filetype(entry)
        if let target = entryString(archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry)) {
            try hardLink(path, to: target, in: parent.raw, entry: name)
            return
        }
        switch type {
        case S_IFDIR:
            try replaceExisting(parent.raw, path.name, keepDirectory: true)
            if try statAt(parent.raw, path.name) == nil {
                try sys("mkdirat", path.name) { mkdirat(parent.raw, path.name, 0o700) }
            }
            let directory = FileDescriptor(try sys("openat", path.name) {
                openat(parent.raw, path.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            })
            try sys("fchown", path.name) { fchown(directory.raw, archive_entry_uid(entry).asUID, archive_entry_gid(entry).asUID) }
            try sys("fchmod", path.name) { fchmod(directory.raw, permissions(entry)) }
            try setXattrs(entry) { key, value in try setXattrAt(parent.raw, path.name, key, value) }
            directoryTimes.append((path.components, Self.atime(entry), Self.mtime(entry)))
            if cachedParent?.0 == path.components { cachedParent = nil }
        case S_IFREG:
            try replaceExisting(parent.raw, path.name, keepDirectory: false)
            let file = FileDescriptor(try sys("openat", path.name) {
                openat(parent.raw, path.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            })
            try copyData(archive, to: file, name: path.name, size: archive_entry_size(entry), stream: stream)
            try sys("fchown", path.name) { fchown(file.raw, archive_entry_uid(entry).asUID, archive_entry_gid(entry).asUID) }
            try sys("fchmod", path.name) { fchmod(file.raw, permissions(entry)) }
            try setXattrs(entry) { key, value in
                try sys("fsetxattr \(key)", path.name) { fsetxattr(file.raw, key, value.baseAddress, value.count, 0) }
            }
            var times = [Self.atime(entry), Self.mtime(entry)]
            try sys("futimens", path.name) { futimens(file.raw, &times) }
        case S_IFLNK:
            let target = entryString(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry)) ?? ""
            try replaceExisting(parent.raw, path.name, keepDirectory: false)
            // The target is stored as written: it is only ever followed
            // inside the container's root (or by openat2 here, which refuses).
            try sys("symlinkat", path.name) { symlinkat(target, parent.raw, path.name) }
            try finishSpecial(parent.raw, path.name, entry, chmod: false)
        case S_IFCHR, S_IFBLK, S_IFIFO:
            try replaceExisting(parent.raw, path.name, keepDirectory: false)
            let device = type == S_IFIFO ? 0 : berth_store_makedev(UInt32(archive_entry_rdevmajor(entry)), UInt32(archive_entry_rdevminor(entry)))
            try sys("mknodat", path.name) { mknodat(parent.raw, path.name, type | 0o600, dev_t(device)) }
            try finishSpecial(parent.raw, path.name, entry, chmod: true)
        default:
            throw BerthError.invalidArgument("unsupported tar entry type 0o\(String(type, radix: 8))")
        }
    }

    /// Sets directory times last, deepest first.
    mutating func finish() throws {
        cachedParent = nil
        for (components, atime, mtime) in directoryTimes.reversed() {
            let directory = try root.open(components, O_RDONLY | O_DIRECTORY)
            var times = [atime, mtime]
            try sys("futimens", components.joined(separator: "/")) { futimens(directory.raw, &times) }
        }
    }

    private mutating func parentDirectory(_ components: [String]) throws -> FileDescriptor {
        if let (cached, fd) = cachedParent, cached == components { return fd }
        let fd: FileDescriptor
        do {
            fd = try root.directory(components, create: true)
        } catch let error as SystemError where error.errno == ELOOP || error.errno == ENOTDIR || error.errno == EXDEV {
            throw BerthError.invalidArgument("parent \"\(components.joined(separator: "/"))\" is or passes through a symlink or non-directory; refusing to follow it", cause: error)
        }
        cachedParent = (components, fd)
        return fd
    }

    /// A later entry replaces an earlier one of the same name (tar append
    /// semantics), except a directory over a directory, which merges.
    private mutating func replaceExisting(_ parent: Int32, _ name: String, keepDirectory: Bool) throws {
        guard let info = try statAt(parent, name) else { return }
        if keepDirectory && info.st_mode & S_IFMT == S_IFDIR { return }
        if noOverwriteDirNonDir {
            if info.st_mode & S_IFMT == S_IFDIR {
                throw BerthError.invalidArgument("cannot overwrite directory \"\(name)\" with non-directory")
            }
            if keepDirectory { throw BerthError.invalidArgument("cannot overwrite non-directory \"\(name)\" with directory") }
        }
        try removeAt(parent, name)
        cachedParent = nil
    }

    private func hardLink(_ path: ArchivePath, to rawTarget: String, in parent: Int32, entry: String) throws {
        let target = try ArchivePath(rawTarget, entry: entry, what: "hard link target")
        guard !target.isRoot else { throw BerthError.invalidArgument("hard link to the layer root") }
        let targetParent: FileDescriptor
        do {
            targetParent = try root.open(target.parent, BERTH_STORE_O_PATH | O_DIRECTORY)
        } catch let error as SystemError {
            throw BerthError.invalidArgument("hard link target \"\(rawTarget)\" is not inside the layer", cause: error)
        }
        guard let info = try statAt(targetParent.raw, target.name) else {
            throw BerthError.invalidArgument("hard link target \"\(rawTarget)\" does not exist in the layer")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw BerthError.invalidArgument("hard link target \"\(rawTarget)\" is a directory") }
        if let existing = try statAt(parent, path.name), existing.st_ino == info.st_ino { return }
        try removeAt(parent, path.name)
        // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never its target.
        try sys("linkat", path.description) { linkat(targetParent.raw, target.name, parent, path.name, 0) }
    }

    private func finishSpecial(_ parent: Int32, _ name: String, _ entry: OpaquePointer, chmod: Bool) throws {
        try own(parent, name, entry)
        if chmod { try sys("fchmodat", name) { fchmodat(parent, name, permissions(entry), 0) } }
        try setXattrs(entry) { key, value in try setXattrAt(parent, name, key, value) }
        var times = [Self.atime(entry), Self.mtime(entry)]
        try sys("utimensat", name) { utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    private func own(_ parent: Int32, _ name: String, _ entry: OpaquePointer) throws {
        try sys("fchownat", name) { fchownat(parent, name, archive_entry_uid(entry).asUID, archive_entry_gid(entry).asUID, AT_SYMLINK_NOFOLLOW) }
    }

    private func permissions(_ entry: OpaquePointer) -> mode_t { archive_entry_mode(entry) & 0o7777 }

    private mutating func copyData(_ archive: OpaquePointer, to file: FileDescriptor, name: String, size: Int64, stream: LayerStream) throws {
        while true {
            var buffer: UnsafeRawPointer?
            var count = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(archive, &buffer, &count, &offset)
            if status == ARCHIVE_EOF { break }
            if let failure = stream.failure { throw failure }
            guard status >= ARCHIVE_WARN else {
                let message = archive_error_string(archive).map { String(cString: $0) } ?? "error \(status)"
                throw BerthError.invalidArgument("reading file data: \(message)")
            }
            if count > 0, let buffer {
                try file.write(UnsafeRawBufferPointer(start: buffer, count: count), at: offset, path: name)
            }
        }
        // Sparse files may end in a hole: the size comes from the header.
        try sys("ftruncate", name) { ftruncate(file.raw, off_t(size)) }
        unpackedSize += size
    }

    private func setXattrs(_ entry: OpaquePointer, _ set: (String, UnsafeRawBufferPointer) throws -> Void) throws {
        guard archive_entry_xattr_reset(entry) > 0 else { return }
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let key = String(cString: name)
            // overlayfs' own xattrs come only from whiteout conversion: a
            // layer must not forge opaque dirs or redirects.
            if key.hasPrefix("trusted.overlay.") { continue }
            do {
                try set(key, UnsafeRawBufferPointer(start: value, count: size))
            } catch let error as SystemError where error.errno == ENOTSUP {
                continue // the filesystem has no such namespace (moby ignores ENOTSUP too)
            }
        }
    }

    static func mtime(_ entry: OpaquePointer) -> timespec {
        timespec(tv_sec: time_t(archive_entry_mtime(entry)), tv_nsec: Int(archive_entry_mtime_nsec(entry)))
    }

    static func atime(_ entry: OpaquePointer) -> timespec {
        archive_entry_atime_is_set(entry) != 0
            ? timespec(tv_sec: time_t(archive_entry_atime(entry)), tv_nsec: Int(archive_entry_atime_nsec(entry)))
            : mtime(entry)
    }
}

private extension la_int64_t {
    var asUID: uid_t { uid_t(truncatingIfNeeded: self) }
}

/// Sets a string xattr on `name` in `directory` (for "." the directory itself).
func setXattrAt(_ directory: Int32, _ name: String, _ key: String, value: String) throws {
    try Array(value.utf8).withUnsafeBytes { try setXattrAt(directory, name, key, $0) }
}
