import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Runs helper programs with posix_spawn: the daemon is multi-threaded and
/// never forks from Swift (ARCHITECTURE.md). The daemon opens its
/// descriptors close-on-exec (NIO and Foundation do), so a helper inherits
/// only the ones named in `files`; stdio not named is /dev/null.
enum Spawn {
    /// The result of a finished helper.
    struct Output: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Starts `argv` with stdin from /dev/null and `files` (child fd → parent
    /// fd) dup'ed in; returns the pid.
    /// `path` is the executable when it is not argv[0] (the monitor's memfd).
    static func start(_ argv: [String], path: String? = nil, files: [Int32: Int32], environment: [String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if files[0] == nil { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        for (child, parent) in files.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
        for fd in [Int32(1), 2] where files[fd] == nil {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The daemon blocks no signals, but reset dispositions and the mask
        // so helpers (runc, the monitor) start as from a shell.
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { args in
            withCStrings(env) { envp in posix_spawn(&pid, path ?? argv[0], &actions, &attr, args, envp) }
        }
        guard rc == 0 else { throw BerthError(SystemError("posix_spawn", path: path ?? argv[0], errno: rc), while: "start \(argv[0])") }
        return pid
    }

    /// Runs `argv` to completion, capturing stdout and stderr. Blocking:
    /// call from `run(_:)` (a thread of its own) in async code.
    static func runBlocking(_ argv: [String], stdin: [UInt8]? = nil) throws -> Output {
        let out = try Pipe2(), err = try Pipe2()
        var files: [Int32: Int32] = [1: out.write, 2: err.write]
        var input: Pipe2?
        if stdin != nil {
            input = try Pipe2()
            files[0] = input!.read
        }
        let pid: pid_t
        do {
            pid = try start(argv, files: files)
        } catch {
            out.closeAll(); err.closeAll(); input?.closeAll()
            throw error
        }
        close(out.write); close(err.write)
        if let input, let stdin {
            close(input.read)
            _ = stdin.withUnsafeBytes { writeAll(input.write, $0) }
            close(input.write)
        }
        // Read both pipes without deadlock: stderr on a second thread.
        let errorBytes = LockedBytes()
        let done = DispatchSemaphore(value: 0)
        BlockingThread.start { errorBytes.value = readAll(err.read); close(err.read); done.signal() }
        let outputBytes = readAll(out.read)
        close(out.read)
        done.wait()
        let status = waitForExit(pid)
        return Output(status: status, stdout: outputBytes, stderr: errorBytes.value)
    }

    /// `runBlocking` off the cooperative thread pool.
    static func run(_ argv: [String], stdin: [UInt8]? = nil) async throws -> Output {
        try await offload { try runBlocking(argv, stdin: stdin) }
    }

    /// waitpid with EINTR retry; returns the exit code (128+signal when killed).
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

/// A pipe whose both ends are close-on-exec from the start (posix_spawn's
/// dup2 clears the flag on the child's copy only). A socketpair, because
/// glibc's pipe2 is not visible to Swift and pipe + fcntl would race with
/// a spawn on another thread.
struct Pipe2 {
    let read: Int32
    let write: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw BerthError(SystemError("socketpair", errno: errno), while: "create a pipe")
        }
        read = fds[0]
        write = fds[1]
    }

    func closeAll() { close(read); close(write) }
}

final class LockedBytes: @unchecked Sendable {
    private let lock = Lock()
    private var bytes: [UInt8] = []
    var value: [UInt8] {
        get { lock.withLock { bytes } }
        set { lock.withLock { bytes = newValue } }
    }
}

/// Runs blocking work on a new thread, so the cooperative pool never blocks
/// on waitpid, read or a monitor socket.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        BlockingThread.start(stackSize: 1 << 20) {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) throws -> R) rethrows -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return try body(pointers)
}
