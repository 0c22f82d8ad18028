// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthStore
import BerthSystem
import CBerth
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// `docker cp` (HEAD/GET/PUT /containers/{id}/archive), `docker export` and
/// `docker diff` (moby's daemon/archive.go, export.go, changes.go).
///
/// A running container is read and written through `/proc/<init>/root`:
/// the kernel resolves paths there in the container's own mount namespace,
/// so volumes, binds and tmpfs mounts are where the container sees them.
/// A stopped one gets its rootfs mounted for the time of the operation
/// (held, so that a concurrent stop does not unmount it), with its volumes
/// and binds found at their host paths. Every path is resolved with
/// openat2(RESOLVE_IN_ROOT): a symlink the container planted cannot lead
/// outside it.
extension ContainerService {
    /// The filesystem of a container, held until `release`.
    struct FilesystemView: Sendable {
        let id: String
        /// The directory that is "/" for the container.
        let root: String
        /// Volumes and binds of a stopped container: destination → host source.
        let mounts: [(destination: String, source: String, writable: Bool)]
        let readOnlyRoot: Bool
    }

    func acquireFilesystem(_ name: String) throws -> FilesystemView {
        let record = try lookup(name)
        let readOnly = record.hostConfig.readonlyRootfs ?? false
        if record.isRunning, record.pid > 0 {
            return FilesystemView(id: record.id, root: "/proc/\(record.pid)/root", mounts: [], readOnlyRoot: readOnly)
        }
        rootfsHolds[record.id, default: 0] += 1
        do {
            try mountRootfs(record.id)
        } catch {
            releaseFilesystem(record.id)
            throw BerthError(.internalError, "mount the filesystem of container \(record.shortID): \(error)")
        }
        let mounts = (volumes?.mountPoints(containerID: record.id) ?? []).compactMap { point -> (String, String, Bool)? in
            guard let source = point.source, !source.isEmpty, let destination = point.destination else { return nil }
            return (destination, source, point.rw ?? true)
        }
        return FilesystemView(id: record.id, root: paths.rootfs(record.id), mounts: mounts.map { ($0.0, $0.1, $0.2) },
                              readOnlyRoot: readOnly)
    }

    func releaseFilesystem(_ id: String) {
        let holds = (rootfsHolds[id] ?? 1) - 1
        if holds > 0 {
            rootfsHolds[id] = holds
            return
        }
        rootfsHolds[id] = nil
        if let record = records[id], record.isRunning { return }
        unmountRootfs(id)
    }

    /// Runs `body` with the container's filesystem on a thread of its own
    /// (the work is blocking file I/O), then releases it.
    func withFilesystem<T: Sendable>(_ name: String, _ body: @escaping @Sendable (FilesystemView) throws -> T) async throws -> T {
        let view = try acquireFilesystem(name)
        do {
            let result = try await BlockingThread.run { try body(view) }
            releaseFilesystem(view.id)
            return result
        } catch {
            releaseFilesystem(view.id)
            throw error
        }
    }

    // MARK: - the API

    func archiveStat(_ name: String, path: String) async throws -> PathStat {
        let container = try lookup(name).shortID
        return try await withFilesystem(name) { view in
            let resolved = try ContainerPath(path, in: view, container: container)
            return try resolved.stat()
        }
    }

    /// dockerd reports `archive-path` for GET only (HEAD, the stat, is silent).
    func archiveGet(_ name: String, path: String) async throws -> (stat: PathStat, archive: ByteStream) {
        let record = try lookup(name)
        let container = record.shortID
        let view = try acquireFilesystem(name)
        let resolved: ContainerPath
        let stat: PathStat
        do {
            resolved = try ContainerPath(path, in: view, container: container)
            stat = try resolved.stat()
        } catch {
            releaseFilesystem(view.id)
            throw error
        }
        emit("archive-path", record)
        return (stat, pipeStream(view: view, what: "archive \(path)") { fd in try resolved.archive(to: fd) })
    }

    func archivePut(_ name: String, path: String, options: ArchivePutOptions, archive: ByteStream) async throws {
        let record = try lookup(name)
        let container = record.shortID
        let spool = try await Spool.write(archive, under: paths.container(record.id) + "/tmp")
        defer { spool.remove() }
        try await withFilesystem(name) { view in
            let resolved = try ContainerPath(path, in: view, container: container)
            try resolved.extract(spool.path, options: options)
        }
        emit("extract-to-dir", records[record.id] ?? record)
    }

    /// The rootfs as the daemon mounted it, not the container's view: the
    /// mount points of /proc, /sys and volumes are empty directories, as in
    /// docker's export.
    func export(_ name: String) async throws -> ByteStream {
        let view = try acquireFilesystem(name)
        let rootfs = paths.rootfs(view.id)
        if let record = records[view.id] { emit("export", record) }
        return pipeStream(view: view, what: "export") { fd in
            let root = try FileDescriptor.open(rootfs, O_RDONLY | O_DIRECTORY)
            try Differ().archive(tree: root.raw, to: fd)
        }
    }

    func changes(_ name: String) async throws -> [FilesystemChange] {
        let record = try lookup(name)
        let data = try Data(contentsOf: URL(fileURLWithPath: paths.container(record.id) + "/rootfs-mounts.json"))
        let mounts = try JSONDecoder().decode([BerthStore.Mount].self, from: data)
        guard let overlay = mounts.first(where: { $0.upperDirectory != nil }), let upper = overlay.upperDirectory else {
            throw BerthError(.internalError, "container \(record.shortID) has no writable layer to compare")
        }
        var excluded = Self.initLayerPaths
        for point in volumes?.mountPoints(containerID: record.id) ?? [] {
            if let destination = point.destination { excluded.insert(destination) }
        }
        let walker = ChangeWalker(upper: upper, lowers: overlay.lowerDirectories, excluding: excluded)
        return try await BlockingThread.run {
            try walker.changes().map { FilesystemChange(path: $0.path, kind: ChangeType($0.kind.rawValue)) }
        }
    }

    /// Bytes of regular files in the container's writable layer (SizeRw).
    func writableLayerSize(_ id: String) -> Int64? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: paths.container(id) + "/rootfs-mounts.json")),
              let mounts = try? JSONDecoder().decode([BerthStore.Mount].self, from: data),
              let upper = mounts.compactMap(\.upperDirectory).first else { return nil }
        return VolumeService.size(upper)
    }

    /// What docker keeps in a container's hidden "-init" layer (mount points
    /// the runtime makes), so `docker diff` never lists them.
    static let initLayerPaths: Set<String> = [
        "/dev", "/proc", "/sys", "/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/etc/mtab",
    ]

    /// A stream of what `write` writes into a pipe from a thread of its own;
    /// the view is released when the writer is done.
    private func pipeStream(view: FilesystemView, what: String, _ write: @escaping @Sendable (Int32) throws -> Void) -> ByteStream {
        var fds: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&fds) == 0 else {
            let error = BerthError(SystemError("pipe2", errno: errno), while: what)
            releaseFilesystem(view.id)
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let reader = PipeReader(fd: fds[0])
        let writeFD = fds[1]
        let service = self
        BlockingThread.start {
            do { try write(writeFD) } catch { reader.fail(error) }
            close(writeFD)
            Task { await service.releaseFilesystem(view.id) }
        }
        return AsyncThrowingStream(unfolding: { try reader.next() })
    }
}

/// A path of `docker cp` resolved inside a container's filesystem: the
/// directory that holds it (an open fd) and its last component.
struct ContainerPath: @unchecked Sendable {
    /// As the client wrote it, made absolute.
    let path: String
    let container: String
    let parent: FileDescriptor
    /// The last component; "." for a path ending in "/.".
    let name: String
    /// The entry name of the archive's top entry (docker's rebase name).
    let entryName: String
    let writable: Bool

    init(_ raw: String, in view: ContainerService.FilesystemView, container: String) throws {
        let absolute = raw.hasPrefix("/") ? raw : "/" + raw
        self.path = absolute
        self.container = container
        var components = absolute.split(separator: "/").map(String.init).filter { !$0.isEmpty }
        let trailingDot = components.last == "."
        let trailingSlash = absolute.hasSuffix("/") && !trailingDot
        components.removeAll { $0 == "." }
        // The tree that holds the path: a volume or bind of a stopped
        // container (longest destination first), else the root.
        var base = view.root
        var relative = components
        var writable = !view.readOnlyRoot
        for mount in view.mounts.sorted(by: { $0.destination.count > $1.destination.count }) {
            let destination = mount.destination.split(separator: "/").map(String.init)
            if components.starts(with: destination) {
                base = mount.source
                relative = Array(components.dropFirst(destination.count))
                writable = mount.writable
                break
            }
        }
        self.writable = writable
        let root = try Self.open(base, O_RDONLY | O_DIRECTORY, path: absolute, container: container)
        // Trailing "/." or "/": the directory itself, its last symlink followed.
        if trailingDot || trailingSlash || relative.isEmpty {
            parent = try Self.resolve(root, relative, O_RDONLY | O_DIRECTORY, path: absolute, container: container)
            name = "."
            entryName = trailingDot ? "." : (components.last ?? "/")
        } else {
            parent = try Self.resolve(root, Array(relative.dropLast()), O_RDONLY | O_DIRECTORY, path: absolute, container: container)
            name = relative.last!
            entryName = name
        }
    }

    private static func open(_ path: String, _ flags: Int32, path shown: String, container: String) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(path, flags)
        } catch {
            throw BerthError.notFound("Could not find the file \(shown) in container \(container)")
        }
    }

    /// `components` below `root`, symlinks followed inside it only.
    private static func resolve(_ root: FileDescriptor, _ components: [String], _ flags: Int32, path: String,
                                container: String) throws -> FileDescriptor {
        do {
            return try root.openInRoot(components.joined(separator: "/"), flags)
        } catch let error as SystemError {
            switch error.errno {
            case ENOENT: throw BerthError.notFound("Could not find the file \(path) in container \(container)")
            case ENOTDIR: throw BerthError.invalidArgument("\(path): not a directory")
            default: throw BerthError(error, while: "resolve a path in container \(container)")
            }
        }
    }

    private func lstat() throws -> Glibc.stat {
        var info = Glibc.stat()
        if fstatat(parent.raw, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return info }
        if errno == ENOENT { throw BerthError.notFound("Could not find the file \(path) in container \(container)") }
        throw BerthError(SystemError("fstatat", path: path, errno: errno), while: "stat in container \(container)")
    }

    /// The stat docker puts in X-Docker-Container-Path-Stat (Go's FileMode bits).
    func stat() throws -> PathStat {
        let info = try lstat()
        var linkTarget = ""
        if info.st_mode & S_IFMT == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlinkat(parent.raw, name, &buffer, buffer.count - 1)
            if count > 0 {
                let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                linkTarget = target.hasPrefix("/") ? target : String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) + "/" + target
            }
        }
        let mtime = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return PathStat(name: entryName,
                        size: Int64(info.st_size), mode: Self.goFileMode(info.st_mode),
                        mtime: Timestamp.format(mtime), linkTarget: linkTarget)
    }

    /// Go's os.FileMode for a stat mode (the docker CLI checks IsDir on it).
    static func goFileMode(_ mode: mode_t) -> UInt32 {
        var result = UInt32(mode & 0o777)
        switch mode & S_IFMT {
        case S_IFDIR: result |= 1 << 31
        case S_IFLNK: result |= 1 << 27
        case S_IFBLK: result |= 1 << 26
        case S_IFCHR: result |= (1 << 26) | (1 << 21)
        case S_IFIFO: result |= 1 << 25
        case S_IFSOCK: result |= 1 << 24
        default: break
        }
        if mode & S_ISUID != 0 { result |= 1 << 23 }
        if mode & S_ISGID != 0 { result |= 1 << 22 }
        if mode & S_ISVTX != 0 { result |= 1 << 20 }
        return result
    }

    func archive(to fd: Int32) throws {
        _ = try lstat()
        try Differ().archive(entry: name, in: parent.raw, as: entryName, to: fd)
    }

    /// Unpacks the tar at `file` into this path, which must be a directory
    /// (docker's extractToDir; the CLI sends entries named for the target).
    func extract(_ file: String, options: ArchivePutOptions) throws {
        let info = try lstat()
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw BerthError.invalidArgument("extraction point is not a directory: \(path)")
        }
        guard writable else {
            throw BerthError(.forbidden, "container rootfs is marked read-only")
        }
        let target = try FileDescriptor(Self.reopen(parent, name))
        let input = try FileDescriptor.open(file, O_RDONLY)
        do {
            _ = try LayerApplier(whiteouts: false, noOverwriteDirNonDir: options.noOverwriteDirNonDir)
                .apply(fd: input.raw, into: "/proc/self/fd/\(target.raw)")
        } catch let error as BerthError where error.message.contains("Read-only file system") {
            throw BerthError(.forbidden, "\(path) is on a read-only file system in container \(container)")
        }
    }

    private static func reopen(_ parent: FileDescriptor, _ name: String) throws -> Int32 {
        let fd = openat(parent.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw BerthError(SystemError("openat", path: name, errno: errno), while: "open the extraction point") }
        return fd
    }
}
