import BerthOCI
// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// What the store knows about one committed blob.
public struct ContentInfo: Sendable, Equatable {
    public var digest: Digest
    public var size: Int64
    /// When the blob was committed (its mtime).
    public var committedAt: Date
}

/// Content-addressed blobs on disk, laid out as containerd's content store:
///
///     ROOT/blobs/sha256/<hex>         committed, verified, read-only (0444)
///     ROOT/ingest/<ref>/data          bytes of an ingest in progress
///     ROOT/ingest/<ref>/expected      "<digest> <size>" the ingest must match
///
/// A blob only appears under blobs/ after its bytes were hashed while
/// written, matched the expected digest and size, were fsynced, renamed into
/// place and the directory fsynced (containerd's writer.Commit). An ingest
/// that is not committed (the process was killed, the connection dropped)
/// stays under ingest/ and `writer(ref:expected:size:)` resumes it.
///
/// Thread-safe: state is on disk; concurrent writers of one ref are kept
/// apart by an exclusive flock on its data file (which also works across
/// processes and is released by the kernel when a writer dies).
public final class ContentStore: @unchecked Sendable {
    public let root: String

    /// Opens (creating) a content store at `root` (e.g. BERTH_ROOT/content).
    public init(root: String) throws {
        self.root = root
        try step("create content store \(root)") {
            for directory in ["blobs/sha256", "blobs/sha512", "ingest"] {
                try Durable.makeDirectories("\(root)/\(directory)")
            }
        }
    }

    /// The path of a committed blob (which may not exist).
    public func path(_ digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
    }

    func ingestPath(_ ref: String) -> String { "\(root)/ingest/\(ref)" }

    /// Size and commit time of a blob; `.notFound` if absent.
    public func info(_ digest: Digest) throws -> ContentInfo {
        var status = stat()
        guard lstat(path(digest), &status) == 0 else {
            if errno == ENOENT { throw BerthError.notFound("content \(digest) not found") }
            throw BerthError(SystemError("lstat", path: path(digest), errno: errno), while: "content info \(digest)")
        }
        return ContentInfo(digest: digest, size: Int64(status.st_size),
                           committedAt: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)))
    }

    public func exists(_ digest: Digest) -> Bool { access(path(digest), F_OK) == 0 }

    /// Opens a blob for reading; the caller streams it or reads at offsets.
    public func open(_ digest: Digest) throws -> ContentReader {
        do {
            let fd = try FileDescriptor.open(path(digest), O_RDONLY | O_NOFOLLOW)
            return ContentReader(digest: digest, fd: fd, size: Int64(try fd.stat().st_size))
        } catch let error as SystemError where error.errno == ENOENT {
            throw BerthError.notFound("content \(digest) not found")
        } catch let error as SystemError {
            throw BerthError(error, while: "open content \(digest)")
        }
    }

    /// The whole blob in memory (manifests, configs: small documents).
    public func read(_ digest: Digest) throws -> [UInt8] {
        try open(digest).readAll()
    }

    /// Removes a blob; `.notFound` if absent. Callers normally let GC do it.
    public func delete(_ digest: Digest) throws {
        guard unlink(path(digest)) == 0 else {
            if errno == ENOENT { throw BerthError.notFound("content \(digest) not found") }
            throw BerthError(SystemError("unlink", path: path(digest), errno: errno), while: "delete content \(digest)")
        }
        try step("delete content \(digest)") { try Durable.syncDirectory(Durable.parent(of: path(digest))) }
    }

    /// Every committed blob, sorted by digest. Files whose names are not a
    /// valid digest are skipped here and reported by `fsck`.
    public func list() throws -> [ContentInfo] {
        var result: [ContentInfo] = []
        for algorithm in [Digest.Algorithm.sha256, .sha512] {
            let names = try step("list content") { try directoryEntries("\(root)/blobs/\(algorithm.rawValue)") }
            for name in names {
                guard let digest = try? Digest(algorithm: algorithm, hex: name) else { continue }
                if let info = try? info(digest) { result.append(info) }
            }
        }
        return result.sorted { $0.digest < $1.digest }
    }

    /// Starts or resumes the ingest `ref` of a blob that must hash to
    /// `expected` and be `size` bytes long. The writer's `offset` is how many
    /// bytes are already there (re-hashed from disk): ask the registry for
    /// `Range: bytes=<offset>-`. `.conflict` if the blob is already
    /// committed, `.unavailable` if another writer holds the ref.
    public func writer(ref: String, expected: Digest, size: Int64) throws -> ContentWriter {
        try Self.validate(ref: ref)
        guard size >= 0 else { throw BerthError.invalidArgument("ingest \(ref): negative expected size \(size)") }
        if exists(expected) { throw BerthError.conflict("content \(expected) already exists") }
        return try step("open ingest \(ref) for \(expected)") {
            try ContentWriter(store: self, ref: ref, expected: expected, size: size)
        }
    }

    /// Convenience for small documents: ingests `bytes` in one go under a
    /// ref derived from the digest and returns its descriptor. A blob that
    /// already exists is not rewritten.
    @discardableResult
    public func write(_ bytes: [UInt8], mediaType: String, expected: Digest? = nil) throws -> Descriptor {
        let digest = expected ?? DigestHasher.digest(of: bytes)
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
        if exists(digest) { return descriptor }
        let writer = try self.writer(ref: "write-\(digest.algorithm.rawValue)-\(digest.hex)", expected: digest, size: Int64(bytes.count))
        if writer.offset > 0 { try writer.restart() }
        try bytes.withUnsafeBytes { try writer.write($0) }
        try writer.commit()
        return descriptor
    }

    /// The refs of ingests in progress (or abandoned).
    public func ingests() throws -> [String] {
        try step("list ingests") { try directoryEntries("\(root)/ingest") }
    }

    /// Drops an ingest and its partial bytes.
    public func abort(ref: String) throws {
        try Self.validate(ref: ref)
        let path = ingestPath(ref)
        guard access(path, F_OK) == 0 else { throw BerthError.notFound("ingest \(ref) not found") }
        try step("abort ingest \(ref)") { try Durable.removeTree(path) }
    }

    /// A ref names a directory: letters, digits and `._:-@+`, no slash, no
    /// leading dot, at most 200 bytes.
    static func validate(ref: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-@+".utf8)
        guard !ref.isEmpty, ref.utf8.count <= 200, !ref.hasPrefix("."), ref.utf8.allSatisfy(allowed.contains) else {
            throw BerthError.invalidArgument("invalid ingest ref \"\(ref)\": use 1-200 of [A-Za-z0-9._:-@+], not starting with a dot")
        }
    }
}

/// A committed blob opened for reading. The descriptor closes with it.
public final class ContentReader: @unchecked Sendable {
    public let digest: Digest
    public let size: Int64
    public let fd: FileDescriptor

    init(digest: Digest, fd: FileDescriptor, size: Int64) {
        self.digest = digest
        self.fd = fd
        self.size = size
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try step("read content \(digest)") {
            try sysSize("pread") { pread(fd.raw, buffer.baseAddress, buffer.count, off_t(offset)) }
        }
    }

    public func readAll() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = try bytes.withUnsafeMutableBytes {
                try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]), at: Int64(done))
            }
            if count == 0 { throw BerthError.internalError("content \(digest) shrank while reading at \(done) of \(size) bytes") }
            done += count
        }
        return bytes
    }
}
