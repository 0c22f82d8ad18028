import CBerth
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (nft, an OCI hook) with posix_spawn — not fork,
/// which the multi-threaded daemon must never call from Swift — feeding it
/// stdin and collecting stdout and stderr.
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// It ran past its timeout and was killed.
        public var timedOut = false
    }

    /// Runs `executable` with `arguments` (argv[1...]), or with `argv` whole
    /// when given (an OCI hook's args include its own argv[0]).
    public static func run(_ executable: String, _ arguments: [String], argv0: String? = nil, stdin input: String = "",
                           environment: [String] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                           timeout: Int = 0) throws -> Result {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&inPipe) == 0, berth_pipe_cloexec(&outPipe) == 0,
              berth_pipe_cloexec(&errPipe) == 0 else {
            let saved = errno
            (inPipe + outPipe + errPipe).filter { $0 >= 0 }.forEach { close($0) }
            throw SystemError("pipe2", errno: saved)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no blocked signals and default handlers,
        // whatever the daemon's threads have set up.
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([argv0 ?? executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw SystemError("posix_spawn", path: executable, errno: rc)
        }
        let deadline = timeout > 0 ? monotonicSeconds() + Double(timeout) : nil
        let (out, err, expired) = pump(input: Array(input.utf8), stdinFD: inPipe[1], stdoutFD: outPipe[0], stderrFD: errPipe[0],
                                       deadline: deadline)
        if expired { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SystemError("waitpid", path: executable, errno: errno) }
        }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
                      timedOut: expired)
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Writes stdin while draining stdout and stderr, with poll, so neither
    /// side can block the other on a full pipe.
    /// Stops at `deadline` (monotonic seconds), reporting that it expired.
    private static func pump(input: [UInt8], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32,
                             deadline: Double?) -> ([UInt8], [UInt8], Bool) {
        var written = 0
        var inFD = stdinFD
        if input.isEmpty { close(inFD); inFD = -1 }
        var fds = [stdoutFD, stderrFD]
        var collected: [[UInt8]] = [[], []]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while inFD >= 0 || fds.contains(where: { $0 >= 0 }) {
            var polls = [pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)]
                + fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - monotonicSeconds()
                if left <= 0 {
                    if inFD >= 0 { close(inFD) }
                    for fd in fds where fd >= 0 { close(fd) }
                    return (collected[0], collected[1], true)
                }
                wait = Int32(min(left * 1000 + 1, 60_000))
            }
            let ready = poll(&polls, nfds_t(polls.count), wait)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            if inFD >= 0, polls[0].revents != 0 {
                let n = input[written...].withUnsafeBytes { Glibc.write(inFD, $0.baseAddress, $0.count) }
                if n > 0 { written += n }
                if n < 0 && errno != EINTR && errno != EAGAIN || written == input.count {
                    close(inFD); inFD = -1
                }
            }
            for i in 0..<2 where fds[i] >= 0 && polls[i + 1].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[i], $0.baseAddress, $0.count) }
                if n > 0 { collected[i] += buffer[0..<n] } else if n == 0 || errno != EINTR { close(fds[i]); fds[i] = -1 }
            }
        }
        return (collected[0], collected[1], false)
    }

    /// The first of `candidates` that is executable.
    public static func find(_ candidates: [String]) -> String? {
        candidates.first { access($0, X_OK) == 0 }
    }
}
