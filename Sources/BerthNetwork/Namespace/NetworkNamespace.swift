import BerthSystem
import CBerth
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A network namespace held open by fd: a persistent one bound to a file
/// (what `ip netns add` makes, and what the engine puts in the OCI spec's
/// linux.namespaces network path), or /proc/<pid>/ns/net.
public final class NetworkNamespace: @unchecked Sendable {
    public let path: String
    public let fd: Int32

    /// Opens an existing namespace file.
    public init(opening path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open netns", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Creates a persistent namespace bound to `path`, like `ip netns add`:
    /// the directory is made a shared bind mount of itself first (as
    /// iproute2 does for /run/netns) so that unmounting the file later
    /// propagates into mount namespaces cloned meanwhile (containers),
    /// which would otherwise pin the namespace alive.
    public static func create(at path: String) throws -> NetworkNamespace {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try makeSharedMountPoint(directory.isEmpty ? "/" : directory)
        let created = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard created >= 0 else { throw SystemError("create netns file", path: path, errno: errno) }
        close(created)
        guard berth_netns_create(path) == 0 else {
            let saved = errno
            unlink(path)
            throw SystemError("unshare(CLONE_NEWNET)+bind mount", path: path, errno: saved)
        }
        return try NetworkNamespace(opening: path)
    }

    /// Unmounts and removes a namespace file made by `create(at:)` (`ip netns
    /// delete`). The namespace itself lives on while anything holds it (a
    /// process, an open fd), as in iproute2. Absent files are not an error,
    /// so cleanup after a crash can call this blindly.
    public static func delete(at path: String) throws {
        if umount2(path, Int32(MNT_DETACH)) != 0, errno != EINVAL, errno != ENOENT {
            throw SystemError("umount2", path: path, errno: errno)
        }
        if unlink(path) != 0, errno != ENOENT {
            throw SystemError("unlink", path: path, errno: errno)
        }
    }

    /// Writes a sysctl under /proc/sys as seen in this namespace
    /// ("net/ipv4/conf/eth0/arp_notify").
    public func writeSysctl(_ key: String, _ value: String) throws {
        guard berth_netns_write_sysctl(fd, key, value) == 0 else {
            throw SystemError("write sysctl in netns \(path)", path: "/proc/sys/\(key)", errno: errno)
        }
    }

    private static func makeSharedMountPoint(_ directory: String) throws {
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw SystemError("mkdir", path: directory, errno: errno)
        }
        // Try to mark it shared; EINVAL means it is not a mount point yet.
        if mount("none", directory, nil, UInt(MS_SHARED | MS_REC), nil) == 0 { return }
        guard errno == EINVAL else { throw SystemError("mount --make-shared", path: directory, errno: errno) }
        guard mount(directory, directory, "none", UInt(MS_BIND | MS_REC), nil) == 0 else {
            throw SystemError("mount --bind", path: directory, errno: errno)
        }
        guard mount("none", directory, nil, UInt(MS_SHARED | MS_REC), nil) == 0 else {
            throw SystemError("mount --make-shared", path: directory, errno: errno)
        }
    }
}
