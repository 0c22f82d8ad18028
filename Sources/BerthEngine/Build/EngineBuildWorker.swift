// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthBuild
import BerthImages
import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem
import Glibc
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// The build worker of the daemon: each step's image lives in the image
/// store (recorded in its build cache), a RUN is a container of the
/// engine's own (created, started, waited for, removed), and COPY/ADD and
/// WORKDIR write into a fresh overlay snapshot mounted under the build's
/// scratch directory. The step's snapshot then becomes the new layer
/// (`ImageService.commit`, consuming it).
struct EngineBuildWorker: BuildWorker {
    let images: ImageService
    let containers: ContainerService
    /// The build context's files.
    let context: any SourceFiles
    /// Where this build mounts snapshots (removed with the build).
    let scratch: String
    let credentials: [String: RegistryCredentials]

    private var snapshotter: Snapshotter { images.store.snapshotter }

    func baseImage(_ name: String, platform: String?, pull: Bool,
                   output: @escaping @Sendable (String) -> Void) async throws -> BuildImage {
        if !pull, let image = try? images.image(name) { return Self.buildImage(image) }
        let wanted = try platform.map { try Platform(parsing: $0) }
        output("\(pull ? "Pulling" : "Pulling missing image") \(name)\n")
        do {
            return Self.buildImage(try await images.pull(name, platform: wanted, credentials: credentials))
        } catch let error as BerthError where !pull || error.code != .notFound && error.code != .unavailable {
            throw error
        } catch {
            // --pull with a registry out of reach: docker uses the local image.
            if let image = try? images.image(name) { return Self.buildImage(image) }
            throw error
        }
    }

    func cachedImage(_ key: Digest) async throws -> BuildImage? {
        try images.buildCacheImage(key: key).map(Self.buildImage)
    }

    func cacheSources(_ names: [String]) async throws -> [BuildImage] {
        names.compactMap { try? images.image($0) }.map(Self.buildImage)
    }

    func restore(parent: BuildImage, from source: BuildImage, _ commit: StepCommit) async throws -> BuildImage {
        let stored = try await images.restoreStep(of: try images.image(source.id), after: try storedParent(parent),
                                            config: commit.config)
        try images.recordBuildCache(key: commit.cacheKey, image: stored)
        return Self.buildImage(stored)
    }

    func commit(parent: BuildImage, _ commit: StepCommit) async throws -> BuildImage {
        try await committed(snapshot: nil, parent: parent, commit)
    }

    func run(parent: BuildImage, _ request: RunRequest, _ commit: StepCommit,
             output: @escaping @Sendable (String) -> Void) async throws -> BuildImage {
        guard !parent.isScratch else {
            throw BerthError.invalidArgument("RUN needs an image with a program to run: this stage starts FROM scratch and has no files yet")
        }
        var create = ContainerCreateRequest()
        create.image = parent.id
        // As the entrypoint, so the image's ENTRYPOINT and CMD do not join in.
        create.entrypoint = request.arguments
        create.cmd = []
        create.env = request.environment
        create.workingDir = request.workdir
        create.user = request.user
        var host = HostConfig()
        host.networkMode = request.network
        create.hostConfig = host
        guard let id = try await containers.create(create, options: ContainerCreateOptions()).id else {
            throw BerthError.internalError("the container service created a RUN container without an ID")
        }
        let short = String(id.prefix(12))
        output(" ---> Running in \(short)\n")
        do {
            let exit = try await containers.wait(id, condition: .nextExit)
            try await containers.start(id)
            // The output goes out as the log grows, and the rest once it ended.
            let log = LogFollower(path: containers.paths.log(id))
            let code = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask { Int(try await exit.result().statusCode ?? 255) }
                group.addTask {
                    while !Task.isCancelled {
                        for line in log.next() { output(line) }
                        try? await Task.sleep(nanoseconds: 50_000_000)
                    }
                    return nil
                }
                var status = 255
                if let first = try await group.next(), let code = first { status = code }
                group.cancelAll()
                return status
            }
            for line in log.next() { output(line) }
            let lines = log.seen
            if code != 0 {
                throw RunFailure(exitCode: code, tail: lines.suffix(10).joined())
            }
            let key = "container-\(id)"
            Self.removeMountPoints(in: try snapshotter.directory(key))
            let image = try await committed(snapshot: key, parent: parent, commit)
            try await containers.remove(id, options: RemoveOptions(removeVolumes: true, force: true))
            output("Removing intermediate container \(short)\n")
            return image
        } catch {
            try? await containers.remove(id, options: RemoveOptions(removeVolumes: true, force: true))
            throw error
        }
    }

    func copy(parent: BuildImage, _ plan: CopyPlan, from source: CopySource, _ commit: StepCommit) async throws -> BuildImage {
        switch source {
        case .context:
            return try await onSnapshot(parent, commit) { tree, _ in
                try Self.write(plan, from: context, into: tree, scratch: scratch)
            }
        case .image(let image):
            let from = try await openRootfs(image)
            do {
                let result = try await onSnapshot(parent, commit) { tree, _ in
                    guard let root = (from as? MountedRootfs)?.root else { return }
                    try Self.write(plan, from: root, into: tree, scratch: scratch)
                }
                await from.close()
                return result
            } catch {
                await from.close()
                throw error
            }
        }
    }

    func makeDirectory(parent: BuildImage, _ path: String, _ commit: StepCommit) async throws -> BuildImage {
        if !parent.isScratch {
            let root = try await openRootfs(parent)
            let exists = root.isDirectory(path)
            await root.close()
            if exists { return try await committed(snapshot: nil, parent: parent, commit) }
        }
        return try await onSnapshot(parent, commit) { tree, _ in try tree.makeDirectory(path) }
    }

    func openRootfs(_ image: BuildImage) async throws -> any BuildRootfs {
        let stored = try storedParent(image)
        guard let top = stored?.chainIDs.last else { return EmptyRootfs() }
        let key = "build-view-" + UUID().uuidString.lowercased()
        let mountpoint = scratch + "/" + key
        let mounts = try snapshotter.view(key, parent: top.description)
        do {
            try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
            try Mounter.mount(mounts, at: mountpoint)
        } catch {
            rmdir(mountpoint)
            try? snapshotter.remove(key)
            throw error
        }
        do {
            return MountedRootfs(root: try RootedTree(path: mountpoint), key: key, snapshotter: snapshotter)
        } catch {
            try? Mounter.unmount(mountpoint, detach: true)
            rmdir(mountpoint)
            try? snapshotter.remove(key)
            throw error
        }
    }

    func tag(_ image: BuildImage, as names: [String]) async throws {
        for name in names { try images.tag(image.id, as: name) }
    }

    // MARK: - helpers

    static func buildImage(_ image: StoredImage) -> BuildImage {
        BuildImage(id: image.id.description, config: image.config)
    }

    private func storedParent(_ image: BuildImage) throws -> StoredImage? {
        image.isScratch ? nil : try images.image(image.id)
    }

    /// Commits `snapshot` (or a config-only change) on `parent` and records the cache entry.
    private func committed(snapshot: String?, parent: BuildImage, _ commit: StepCommit) async throws -> BuildImage {
        let change = ImageCommit(config: commit.config, history: BerthOCI.ImageConfig.History(createdBy: commit.createdBy))
        let stored = try await images.commit(snapshot: snapshot, parent: try storedParent(parent), change, consume: true)
        try images.recordBuildCache(key: commit.cacheKey, image: stored)
        return Self.buildImage(stored)
    }

    /// Prepares a snapshot on `parent`, mounts it, lets `body` write, and commits it.
    private func onSnapshot(_ parent: BuildImage, _ commit: StepCommit,
                            _ body: (RootedTree, String) throws -> Void) async throws -> BuildImage {
        let key = "build-" + UUID().uuidString.lowercased()
        let mountpoint = scratch + "/" + key
        let mounts = try snapshotter.prepare(key, parent: try storedParent(parent)?.chainIDs.last?.description)
        do {
            try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
            try Mounter.mount(mounts, at: mountpoint)
            do {
                try body(try RootedTree(path: mountpoint), mountpoint)
            } catch {
                try? Mounter.unmount(mountpoint, detach: true)
                throw error
            }
            try Mounter.unmount(mountpoint)
            rmdir(mountpoint)
            return try await committed(snapshot: key, parent: parent, commit)
        } catch {
            rmdir(mountpoint)
            try? snapshotter.remove(key)
            throw error
        }
    }

    /// Carries out a copy plan: files read from `source` (the context or
    /// another image's root), written into the snapshot's root `tree`.
    static func write(_ plan: CopyPlan, from source: any SourceFiles, into tree: RootedTree, scratch: String) throws {
        func owner(_ entry: CopyEntry) -> (uid: UInt32, gid: UInt32) {
            entry.owner.map { ($0.uid, $0.gid) } ?? (0, 0)
        }
        for entry in plan.entries {
            let what = "copy to \(entry.destination)"
            switch entry.kind {
            case .directory:
                try during(what) { try tree.directory(entry.destination, mode: mode_t(entry.mode), owner: owner(entry)) }
            case .file(let path):
                try during(what) {
                    let input = try source.file(path)
                    try tree.writeFile(entry.destination, mode: mode_t(entry.mode), owner: owner(entry)) { fd in
                        try copyFileContents(from: input.fd.raw, offset: input.offset, count: input.size, to: fd, path: entry.destination)
                        // COPY keeps the source's modification time, as docker's does.
                        var times = [timespec(tv_sec: 0, tv_nsec: Self.utimeOmit), input.mtime]
                        futimens(fd, &times)
                    }
                }
            case .inline(let content):
                try during(what) {
                    try tree.writeFile(entry.destination, mode: mode_t(entry.mode), owner: owner(entry)) { fd in
                        try Array(content.utf8).withUnsafeBytes { try FileDescriptor(dup(fd)).write($0, path: entry.destination) }
                    }
                }
            case .symlink(let target):
                try during(what) { try tree.symlink(entry.destination, target: target, owner: owner(entry)) }
            case .extract(let path):
                try during("extract \(path) to \(entry.destination)") {
                    let input = try source.file(path)
                    // The applier reads to the end of its fd: give it the archive alone.
                    let copy = scratch + "/add-" + UUID().uuidString.lowercased()
                    let archive = try FileDescriptor.open(copy, O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
                    defer { unlink(copy) }
                    try copyFileContents(from: input.fd.raw, offset: input.offset, count: input.size, to: archive.raw, path: copy)
                    lseek(archive.raw, 0, SEEK_SET)
                    let directory = try tree.makeDirectory(entry.destination)
                    // The applier resolves its own paths from this fd, inside the destination.
                    _ = try LayerApplier().apply(fd: archive.raw, into: "/proc/self/fd/\(directory.raw)")
                }
            }
        }
    }

    /// utimensat's UTIME_OMIT (a macro Swift does not import).
    static let utimeOmit = (1 << 30) - 2

    /// Runs `body`; its error names `what` it was doing.
    static func during<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as BerthError {
            throw BerthError(error.code, "\(what): \(error.message)", cause: error.cause)
        } catch let error as SystemError {
            throw BerthError(error, while: what)
        }
    }

    /// The mount points the runtime made in a RUN's upper directory for
    /// files the image lacks (docker keeps them in an init layer below the
    /// container's): empty /etc/hostname, hosts, resolv.conf and empty
    /// /proc, /sys, /dev. They are not the step's changes.
    static func removeMountPoints(in upper: String) {
        for file in ["etc/hostname", "etc/hosts", "etc/resolv.conf"] {
            var info = stat()
            if lstat(upper + "/" + file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 0 {
                unlink(upper + "/" + file)
            }
        }
        for directory in ["proc", "sys", "dev"] { rmdir(upper + "/" + directory) }
    }
}

/// The root of an image without layers.
struct EmptyRootfs: BuildRootfs {
    var tree: any SourceTree { EmptyTree() }
    func isDirectory(_ path: String) -> Bool { path.split(separator: "/").isEmpty }
    func text(_ path: String) -> String? { nil }
    func close() async {}
}

/// A read-only view of an image's layers, mounted for a step's planning.
final class MountedRootfs: BuildRootfs, @unchecked Sendable {
    let root: RootedTree
    let key: String
    let snapshotter: Snapshotter

    init(root: RootedTree, key: String, snapshotter: Snapshotter) {
        self.root = root
        self.key = key
        self.snapshotter = snapshotter
    }

    /// Read entry by entry as the plan asks, not scanned up front.
    var tree: any SourceTree { RootfsTree(root: root) }

    func isDirectory(_ path: String) -> Bool { root.isDirectory(path) }

    func text(_ path: String) -> String? { root.read(path).map { String(decoding: $0, as: UTF8.self) } }

    func close() async {
        if (try? Mounter.unmount(root.path)) == nil { try? Mounter.unmount(root.path, detach: true) }
        rmdir(root.path)
        try? snapshotter.remove(key)
    }
}

/// A source tree with nothing in it.
struct EmptyTree: SourceTree {
    func entry(at path: String) throws -> SourceEntry? {
        path.split(separator: "/").allSatisfy { $0 == "." } ? SourceEntry(kind: .directory, mode: 0o755) : nil
    }
    func children(of path: String) throws -> [String] { [] }
    func contents(of path: String) throws -> Data { throw BerthError.notFound("\(path) does not exist in an empty image") }
}

/// An image's mounted root as a COPY source: lstat, readdir and reads
/// inside the root, done when the planner asks.
struct RootfsTree: SourceTree {
    let root: RootedTree

    func entry(at path: String) throws -> SourceEntry? {
        guard let (info, target) = root.entry("/" + path) else { return nil }
        let mode = UInt32(info.st_mode) & 0o7777
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return SourceEntry(kind: .directory, mode: mode)
        case S_IFREG: return SourceEntry(kind: .file, mode: mode, size: Int64(info.st_size))
        case S_IFLNK: return SourceEntry(kind: .symlink(target: target ?? ""), mode: mode)
        default: return nil
        }
    }

    func children(of path: String) throws -> [String] { root.list("/" + path) }

    func contents(of path: String) throws -> Data {
        guard let bytes = root.read("/" + path, limit: Int.max) else {
            throw BerthError.notFound("cannot read \(path) in the image")
        }
        return Data(bytes)
    }
}

/// Reads a container's json-file log as it grows: each call returns the
/// lines (their text) written since the last one.
final class LogFollower: Sendable {
    private struct State {
        var offset: Int64 = 0
        var pending: [UInt8] = []
        var seen: [String] = []
    }
    let path: String
    private let state = Mutex(State())

    init(path: String) { self.path = path }

    /// Every line returned so far.
    var seen: [String] { state.withLock { $0.seen } }

    func next() -> [String] {
        state.withLock { state in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(state.offset)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                state.pending += buffer[..<n]
                state.offset += Int64(n)
            }
            struct Line: Decodable { var log: String }
            var lines: [String] = []
            while let end = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                if let line = try? JSONDecoder().decode(Line.self, from: Data(state.pending[..<end])) { lines.append(line.log) }
                state.pending.removeSubrange(...end)
            }
            state.seen += lines
            return lines
        }
    }
}
