import BerthOCI
// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
import Glibc

/// One ingest in progress: bytes are hashed as they are written, and
/// `commit` moves them into the store only if they match.
///
/// Dropping a writer without `commit` keeps the partial data on disk for a
/// later `ContentStore.writer(ref:…)` to resume. A writer is used by one
/// caller at a time; its methods hold a lock so that is safe to get wrong.
public final class ContentWriter: @unchecked Sendable {
    public let ref: String
    public let expected: Digest
    public let size: Int64
    /// Bytes written so far, including resumed ones.
    public var offset: Int64 { lock.withLock { hasher.count } }

    private let store: ContentStore
    private let directory: String
    private let dataPath: String
    private var fd: FileDescriptor?
    private var hasher: DigestHasher
    private let lock = Lock()

    init(store: ContentStore, ref: String, expected: Digest, size: Int64) throws {
        self.store = store
        self.ref = ref
        self.expected = expected
        self.size = size
        directory = store.ingestPath(ref)
        dataPath = directory + "/data"
        hasher = DigestHasher(expected.algorithm)

        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw SystemError("mkdir", path: directory, errno: errno) }
        let fd = try FileDescriptor.open(dataPath, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
        // The kernel drops this lock when the holder dies, so a killed
        // puller never blocks the next one.
        if flock(fd.raw, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { throw BerthError.unavailable("ingest \(ref) is being written by another writer") }
            throw SystemError("flock", path: dataPath, errno: errno)
        }
        self.fd = fd

        let marker = Array("\(expected) \(size)\n".utf8)
        let markerPath = directory + "/expected"
        let previous = try? Durable.readFile(markerPath)
        let existing = Int64(try fd.stat().st_size)
        if previous != marker || existing > size {
            // A different blob (or a corrupt one) under this ref: start over.
            try sys("ftruncate", dataPath) { ftruncate(fd.raw, 0) }
            try Durable.writeFile(markerPath, marker)
        } else if existing > 0 {
            try rehash(upTo: existing)
        }
    }

    deinit { fd = nil }

    /// Resumed bytes are hashed again from disk: the hash state of the
    /// process that wrote them died with it.
    private func rehash(upTo length: Int64) throws {
        guard let fd else { return }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        while position < length {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try sysSize("pread", dataPath) { pread(fd.raw, raw.baseAddress, min(raw.count, Int(length - position)), off_t(position)) }
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            position += Int64(count)
        }
    }

    /// Throws away what was written and starts at offset 0 (the registry
    /// ignored our Range request, say).
    public func restart() throws {
        try lock.withLock {
            guard let fd else { throw closedError() }
            try step("restart ingest \(ref)") { try sys("ftruncate", dataPath) { ftruncate(fd.raw, 0) } }
            hasher = DigestHasher(expected.algorithm)
        }
    }

    /// Appends bytes. Writing past the expected size is refused at once
    /// (a registry sending more than the descriptor said).
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        try lock.withLock {
            guard let fd else { throw closedError() }
            let written = hasher.count
            guard written + Int64(buffer.count) <= size else {
                throw BerthError.invalidArgument("ingest \(ref): \(written + Int64(buffer.count)) bytes exceed the expected size \(size) of \(expected)")
            }
            try step("write ingest \(ref)") { try fd.write(buffer, at: written, path: dataPath) }
            hasher.update(buffer)
        }
    }

    public func write(_ bytes: some Collection<UInt8>) throws {
        if let done: Void = try bytes.withContiguousStorageIfAvailable({ try write(UnsafeRawBufferPointer($0)) }) { return done }
        try Array(bytes).withUnsafeBytes { try write($0) }
    }

    /// Verifies size and digest, then makes the blob durable under its name.
    /// On a size shortfall the partial stays (resume it); on a digest
    /// mismatch the ingest is removed (its bytes are wrong). Either way
    /// nothing is committed.
    @discardableResult
    public func commit() throws -> Descriptor? {
        try lock.withLock {
            guard let fd else { throw closedError() }
            guard hasher.count == size else {
                throw BerthError.invalidArgument("commit \(expected): got \(hasher.count) bytes, expected \(size)")
            }
            let actual = hasher.digest
            guard actual == expected else {
                self.fd = nil
                try? Durable.removeTree(directory)
                throw BerthError.invalidArgument("commit \(ref): content digest \(actual) does not match expected \(expected); ingest discarded")
            }
            let target = store.path(expected)
            try step("commit \(expected)") {
                try sys("fchmod", dataPath) { fchmod(fd.raw, 0o444) }
                try fd.sync(dataPath)
                try sys("rename", target) { rename(dataPath, target) }
                try Durable.syncDirectory(Durable.parent(of: target))
            }
            self.fd = nil
            // The blob is safe; leftovers of the ingest are only clutter.
            try? Durable.removeTree(directory)
            return nil
        }
    }

    /// Stops writing and keeps the partial bytes for a later resume.
    public func close() {
        lock.withLock { fd = nil }
    }

    private func closedError() -> BerthError {
        BerthError.invalidArgument("ingest \(ref) is closed")
    }
}
