import BerthSystem
import CBerth
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (nft) with posix_spawn — not fork, which the
/// multi-threaded daemon must never call from Swift — feeding it stdin and
/// collecting stdout and stderr. BerthSystem has no spawn helper yet; when
/// it grows one this should move there.
enum Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], stdin input: String = "") throws -> Result {
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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw SystemError("posix_spawn", path: executable, errno: rc)
        }
        let (out, err) = pump(input: Array(input.utf8), stdinFD: inPipe[1], stdoutFD: outPipe[0], stderrFD: errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SystemError("waitpid", path: executable, errno: errno) }
        }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Writes stdin while draining stdout and stderr, with poll, so neither
    /// side can block the other on a full pipe.
    private static func pump(input: [UInt8], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) -> ([UInt8], [UInt8]) {
        var written = 0
        var inFD = stdinFD
        if input.isEmpty { close(inFD); inFD = -1 }
        var fds = [stdoutFD, stderrFD]
        var collected: [[UInt8]] = [[], []]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while inFD >= 0 || fds.contains(where: { $0 >= 0 }) {
            var polls = [pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)]
                + fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&polls, nfds_t(polls.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
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
        return (collected[0], collected[1])
    }

    /// The first of `candidates` that is executable.
    static func find(_ candidates: [String]) -> String? {
        candidates.first { access($0, X_OK) == 0 }
    }
}
