import BerthSystem
import CArchive
import Glibc

/// One line of `docker diff`.
public struct FilesystemChangeEntry: Sendable, Equatable {
    public enum Kind: Int, Sendable {
        /// "C"
        case modified = 0
        /// "A"
        case added = 1
        /// "D"
        case deleted = 2
    }

    /// Absolute inside the container ("/etc/passwd").
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// The changes of an overlay upper directory against its lower layers, as
/// docker's overlay2 driver reports them (`archive.OverlayChanges`): a
/// whiteout is deleted, an object found in no lower layer is added, one
/// found in a lower layer is modified. A directory that exists below is
/// reported (modified) only when something under it is, since overlayfs
/// copies directories up just to hold their changed children. Paths in
/// `excluding` (and what is under them) are left out: the mount points the
/// runtime creates, which docker keeps in its hidden "-init" layer.
public struct ChangeWalker: Sendable {
    public let upper: String
    public let lowers: [String]
    public let excluding: Set<String>

    public init(upper: String, lowers: [String], excluding: Set<String> = []) {
        self.upper = upper
        self.lowers = lowers
        self.excluding = excluding
    }

    /// Sorted by path, as `docker diff` prints them.
    public func changes() throws -> [FilesystemChangeEntry] {
        let root = try step("changes of \(upper)") { try FileDescriptor.open(upper, O_RDONLY | O_DIRECTORY) }
        let lowerRoots = try lowers.map { lower in
            try step("changes: lower \(lower)") { try FileDescriptor.open(lower, BERTH_STORE_O_PATH | O_DIRECTORY) }
        }
        var result: [FilesystemChangeEntry] = []
        _ = try walk(root, path: "", lowerRoots: lowerRoots, into: &result)
        return result.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    /// Adds the changes under `directory` (the upper's `path`); true if any.
    private func walk(_ directory: FileDescriptor, path: String, lowerRoots: [FileDescriptor],
                      into result: inout [FilesystemChangeEntry]) throws -> Bool {
        var any = false
        for name in try names(directory) {
            let child = path + "/" + name
            if excluding.contains(child) { continue }
            guard let info = try statAt(directory.raw, name) else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFCHR && info.st_rdev == 0 {
                result.append(.init(path: child, kind: .deleted))
                any = true
                continue
            }
            let below = try existsBelow(child, lowerRoots)
            if type == S_IFDIR {
                let opened = try directory.openAt(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                let opaque = Self.isOpaque(opened.raw)
                var nested: [FilesystemChangeEntry] = []
                let changedBelow = try walk(opened, path: child, lowerRoots: lowerRoots, into: &nested)
                if !below {
                    result.append(.init(path: child, kind: .added))
                } else if changedBelow || opaque {
                    result.append(.init(path: child, kind: .modified))
                }
                result += nested
                any = any || !below || changedBelow || opaque
            } else {
                result.append(.init(path: child, kind: below ? .modified : .added))
                any = true
            }
        }
        return any
    }

    /// Whether `path` exists in a lower layer, resolved inside each layer
    /// (a symlink there cannot point the lookup outside it).
    private func existsBelow(_ path: String, _ lowerRoots: [FileDescriptor]) throws -> Bool {
        let relative = String(path.dropFirst())
        for root in lowerRoots {
            let fd = berth_store_openat2(root.raw, relative, UInt64(BERTH_STORE_O_PATH | O_NOFOLLOW | O_CLOEXEC), 0,
                                         UInt64(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS))
            if fd >= 0 {
                close(fd)
                return true
            }
            if errno == ENOENT || errno == ENOTDIR { continue }
            throw SystemError("openat2", path: path, errno: errno)
        }
        return false
    }

    private static func isOpaque(_ fd: Int32) -> Bool {
        var value = [UInt8](repeating: 0, count: 4)
        let count = fgetxattr(fd, "trusted.overlay.opaque", &value, value.count)
        return count == 1 && value[0] == UInt8(ascii: "y")
    }

    private func names(_ directory: FileDescriptor) throws -> [String] {
        guard let dir = fdopendir(dup(directory.raw)) else { throw SystemError("fdopendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
