// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
import Glibc

/// Disk use of one snapshot's own directory (not its parents).
public struct SnapshotUsage: Sendable, Equatable {
    /// Bytes in regular files and symlinks, each inode counted once.
    public var size: Int64
    public var inodes: Int64
}

extension Snapshotter {
    /// What the snapshot's own layer holds, as containerd's Usage.
    public func usage(_ key: String) throws -> SnapshotUsage {
        let path = try directory(key)
        var seen = Set<UInt64>()
        var usage = SnapshotUsage(size: 0, inodes: 0)
        try step("usage of snapshot \(key)") { try Self.walk(path, seen: &seen, usage: &usage) }
        return usage
    }

    private static func walk(_ path: String, seen: inout Set<UInt64>, usage: inout SnapshotUsage) throws {
        var info = Glibc.stat()
        try sys("lstat", path) { lstat(path, &info) }
        if seen.insert(UInt64(info.st_ino)).inserted {
            usage.inodes += 1
            let type = info.st_mode & S_IFMT
            if type == S_IFREG || type == S_IFLNK { usage.size += Int64(info.st_size) }
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in try directoryEntries(path) { try walk(path + "/" + name, seen: &seen, usage: &usage) }
        }
    }
}
