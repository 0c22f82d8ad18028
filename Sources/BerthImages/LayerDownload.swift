import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// One layer blob on its way from the registry into its content ingest,
/// which an unpacker may follow while the bytes arrive (`feed`): downloads
/// run ahead of the strictly ordered unpacking, as dockerd's three
/// concurrent downloads do, yet nothing is staged twice — the unpacker reads
/// the ingest file the download writes (and, once committed, the blob).
final class LayerDownload: @unchecked Sendable {
    let layer: Descriptor
    let ingestPath: String
    let blobPath: String
    var task: Task<Void, any Error>?
    private let condition = Condition()
    private var available: Int64
    private var done = false
    private var failure: (any Error)?

    init(layer: Descriptor, ingestPath: String, blobPath: String, resumeAt: Int64) {
        self.layer = layer
        self.ingestPath = ingestPath
        self.blobPath = blobPath
        available = resumeAt
    }

    /// The ingest now holds `count` bytes.
    func advance(to count: Int64) {
        condition.lock()
        available = count
        condition.broadcast()
        condition.unlock()
    }

    /// The download ended: committed (nil) or failed.
    func finish(_ error: (any Error)?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until more than `offset` bytes are there; returns how many.
    private func wait(beyond offset: Int64) throws -> Int64 {
        condition.lock()
        defer { condition.unlock() }
        while available <= offset && !done { condition.wait() }
        if let failure { throw failure }
        guard available > offset else {
            throw BerthError.internalError("download of \(layer.digest) ended at byte \(available) of \(layer.size)")
        }
        return available
    }

    /// Copies the layer into `pipe` as the download writes it. Blocks: run
    /// it on a thread of its own.
    func feed(into pipe: LayerPipe) throws {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(ingestPath, O_RDONLY)
        } catch let error as SystemError where error.errno == ENOENT {
            // Committed already: the same bytes under the blob's name (or,
            // if the download failed, its error says why).
            if let failure = condition.withLock({ failure }) { throw failure }
            fd = try step("open \(blobPath)") { try FileDescriptor.open(blobPath, O_RDONLY) }
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < layer.size {
            let end = try wait(beyond: offset)
            while offset < end {
                let want = Int(min(Int64(buffer.count), end - offset))
                let n = try buffer.withUnsafeMutableBytes { raw in
                    try step("read \(ingestPath)") { try sysSize("pread", ingestPath) { pread(fd.raw, raw.baseAddress, want, off_t(offset)) } }
                }
                if n == 0 { throw BerthError.internalError("\(ingestPath) ended at \(offset) of \(end) bytes written") }
                try buffer.withUnsafeBytes { try pipe.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                offset += Int64(n)
            }
        }
    }
}

/// At most N downloads at once (dockerd's max-concurrent-downloads is 3).
actor DownloadSlots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { free += 1 } else { waiters.removeFirst().resume() }
    }
}

/// Runs blocking work on a thread of its own, so the concurrency pool's
/// few threads keep serving the network meanwhile.
func onThread(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        BlockingThread.start {
            do {
                try body()
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// The blob's bytes go to its content ingest (kept for push and save, and
/// for resuming), and the unpacker following it is told how far it got.
struct LayerSink: BlobSink {
    let writer: ContentWriter
    let download: LayerDownload
    var throttle: ProgressThrottle
    private var received: Int64

    init(writer: ContentWriter, download: LayerDownload, throttle: ProgressThrottle) {
        self.writer = writer
        self.download = download
        self.throttle = throttle
        received = writer.offset
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.write(bytes)
        received += Int64(bytes.count)
        download.advance(to: received)
        throttle.update(received)
    }
}
