import BerthStore
import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Feeds a layer's bytes to `LayerApplier` running on its own thread,
/// through a pipe: the network (or an archive) writes, the applier
/// decompresses, hashes and unpacks as the bytes arrive. No copy of the
/// layer is staged on disk for unpacking.
final class LayerPipe: @unchecked Sendable {
    private let writeFD: Int32
    private var closed = false
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<ApplyResult, any Error>?

    init(applier: LayerApplier, into directory: String) throws {
        var fds: [Int32] = [-1, -1]
        // Glibc's module hides pipe2 (it needs _GNU_SOURCE): pipe, then
        // close-on-exec (nothing here forks between the two calls).
        try sys("pipe") { pipe(&fds) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // A larger pipe means fewer wakeups per MB (the default is 64 KiB);
        // F_SETPIPE_SZ is F_LINUX_SPECIFIC_BASE + 7, also behind _GNU_SOURCE.
        _ = fcntl(fds[1], 1024 + 7, Int32(1 << 20))
        writeFD = fds[1]
        let readFD = fds[0]
        BlockingThread.start { [self] in
            result = Result { try applier.apply(fd: readFD, into: directory) }
            close(readFD)
            done.signal()
        }
    }

    deinit { if !closed { close(writeFD) } }

    /// Hands bytes to the applier; blocks while it is behind. Throws the
    /// applier's own error if it stopped reading (a bad layer).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try writeAll(writeFD, bytes, path: "layer pipe")
        } catch let error as SystemError where error.errno == EPIPE {
            throw try finishFailure(error)
        }
    }

    /// Ends the input and waits for the applier's result.
    func finish() throws -> ApplyResult {
        if !closed { close(writeFD); closed = true }
        done.wait()
        done.signal()
        return try result!.get()
    }

    /// Ends the input after a failure elsewhere and waits for the thread.
    func abandon() {
        _ = try? finish()
    }

    private func finishFailure(_ pipeError: SystemError) throws -> any Error {
        do {
            _ = try finish()
            return BerthError.internalError("layer unpacking stopped reading early", cause: pipeError)
        } catch {
            return error
        }
    }
}
