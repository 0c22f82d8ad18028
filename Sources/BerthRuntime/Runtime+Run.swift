#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import CBerth
import FoundationEssentials

extension Runtime {
    /// Signals `run` and `exec` pass on to the container's process, as runc's
    /// signal handler does (SIGCHLD is kept to learn of its exit).
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP]

    /// `run`: create, start, and unless `detach` wait for the process and
    /// delete the container; returns its exit status (128 + signal if killed).
    public func run(id: String, _ options: CreateOptions, detach: Bool) throws -> Int32 {
        let signals = try SignalFD(Self.forwarded + [SIGCHLD])
        if !detach { berth_set_child_subreaper() }
        let created = try create(id: id, options, ownConsole: !detach)
        // One container, its state and cgroup in memory: start and delete
        // need not read them back.
        func deleteIt() { try? delete(created.state, force: true, cgroup: created.cgroup) }
        do {
            try start(created.state)
        } catch {
            // The init may have reported why it died before start.
            let report = LineReader(fd: created.sync)
            var reason: any Error = error
            if let line = try? report.line(), line.hasPrefix("E ") {
                let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                let plan = try? InitPlan.create(spec: created.state.config, rootfs: created.state.rootfs,
                                                bundle: created.state.bundle, host: HostFacts())
                reason = ChildLauncher.describe(index: Int(f[1]) ?? -1, errno: Int32(f[2]) ?? 0, detail: f.count > 3 ? String(f[3]) : "",
                                                ops: plan?.ops ?? [], argv: created.state.config.process?.args ?? [])
            }
            close(created.sync)
            deleteIt()
            throw reason
        }
        if detach {
            close(created.sync)
            if created.console >= 0 { close(created.console) }
            return 0
        }
        let status: Int32
        do {
            status = try wait(pid: created.state.pid, sync: created.sync, console: created.console, signals: signals,
                              plan: created.state.config.process?.args ?? [])
        } catch {
            // The program's exec failed after start: nothing of the container stays.
            deleteIt()
            throw error
        }
        deleteIt()
        return status
    }

    public struct ExecOptions {
        public var process: RuntimeSpec.Process
        public var detach = false
        public var pidFile: String?
        public var consoleSocket: String?
        public init(process: RuntimeSpec.Process) { self.process = process }
    }

    /// `exec`: a new process in the namespaces and cgroup of a running
    /// container; waits for it unless `detach`. Returns its exit status.
    public func exec(id: String, _ options: ExecOptions) throws -> Int32 {
        let state = try states.load(id)
        let status = states.status(state)
        guard status == .running || status == .created else {
            throw BerthError.conflict("cannot exec in container \(id): it is \(status.rawValue)")
        }
        let signals = try SignalFD(Self.forwarded + [SIGCHLD])
        if !options.detach { berth_set_child_subreaper() }
        ExeSeal.closeExec()
        var host = HostFacts()
        host.lastCap = CapabilityNames.lastCap
        host.bounding = CapabilityNames.bounding().reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
        let plan = try InitPlan.exec(process: options.process, spec: state.config, initPid: state.pid, host: host)
        plan.warnings.forEach(warn)
        var consoleFD: Int32 = -1, ownEnd: Int32 = -1
        defer { if consoleFD >= 0 { close(consoleFD) } }
        if options.process.terminal == true {
            if let path = options.consoleSocket { consoleFD = try connectUnix(path) }
            else if !options.detach {
                var pair: [Int32] = [-1, -1]
                guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                    throw SystemError("socketpair", errno: errno)
                }
                consoleFD = pair[0]; ownEnd = pair[1]
            } else {
                throw BerthError.invalidArgument("exec --tty --detach needs --console-socket")
            }
        }
        var launcher = ChildLauncher(plan: plan)
        launcher.consoleSocket = consoleFD
        let cgroup = try Cgroup.load(paths: state.cgroupPaths)
        launcher.cgroup = cgroup
        let started = try launcher.start(.init(placed: { _ in }, sync: { _, _ in [] }))
        var console: Int32 = -1
        if ownEnd >= 0 { console = berth_recv_fd(ownEnd); close(ownEnd) }
        if let pidFile = options.pidFile { try writeAtomically(try absolute(pidFile), Array("\(started.pid)".utf8), mode: 0o644) }
        if options.detach {
            close(started.sync)
            return 0
        }
        return try wait(pid: started.pid, sync: started.sync, console: console, signals: signals, plan: plan.argv)
    }

    /// Waits for `pid`: forwards signals, copies the terminal when `console`
    /// is a pty master, reaps reparented orphans, and reports an exec that
    /// failed after start from the sync socket.
    func wait(pid: Int32, sync: Int32, console: Int32, signals: SignalFD, plan argv: [String]) throws -> Int32 {
        var sync = sync
        var failure: BerthError?
        let raw = console >= 0 ? TerminalMode.makeRaw(0) : nil
        defer { raw?.restore() }
        if console >= 0 { TerminalMode.copySize(from: 0, to: console) }
        var stdinOpen = console >= 0
        var buffer = [UInt8](repeating: 0, count: 32768)
        var reader = sync >= 0 ? LineReader(fd: sync) : nil
        while true {
            var fds = [pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: sync, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: console, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdinOpen ? 0 : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 4, -1) < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll", errno: errno)
            }
            if fds[1].revents != 0, let r = reader {
                // Closed on exec; a line means the exec itself failed.
                if let line = try? r.line(), line.hasPrefix("E ") {
                    let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                    failure = ChildLauncher.describe(index: Int(f[1]) ?? -1, errno: Int32(f[2]) ?? 0,
                                                     detail: f.count > 3 ? String(f[3]) : "", ops: [], argv: argv)
                }
                close(sync); sync = -1; reader = nil
            }
            if fds[2].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(console, $0.baseAddress, $0.count) }
                if n > 0 { try? writeAll(1, Array(buffer[..<n])) }
            }
            if fds[3].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n > 0 { try? writeAll(console, Array(buffer[..<n])) } else { stdinOpen = false }
            }
            if fds[0].revents != 0 {
                for sig in signals.drain() {
                    if sig == SIGCHLD {
                        while true {
                            var status: Int32 = 0
                            let r = waitpid(-1, &status, WNOHANG)
                            if r <= 0 { break }
                            if r == pid {
                                if console >= 0 { drain(console, &buffer) }
                                if let failure { throw failure }
                                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                            }
                        }
                    } else if sig == SIGWINCH, console >= 0 {
                        TerminalMode.copySize(from: 0, to: console)
                    } else {
                        Glibc.kill(pid, sig)
                    }
                }
            }
        }
    }

    private func drain(_ fd: Int32, _ buffer: inout [UInt8]) {
        var flags = fcntl(fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            try? writeAll(1, Array(buffer[..<n]))
        }
    }
}

/// A signalfd for `signals`, which it blocks in this (single-threaded)
/// process; the child path unblocks them before exec.
final class SignalFD {
    let fd: Int32

    init(_ signals: [Int32]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        sigprocmask(SIG_BLOCK, &set, nil)
        fd = berth_signalfd(&set)
        if fd < 0 { throw SystemError("signalfd", errno: errno) }
    }

    deinit { close(fd) }

    /// The signals pending now (non-blocking after poll said readable).
    func drain() -> [Int32] {
        let signo = berth_signalfd_read(fd)
        return signo > 0 ? [signo] : []
    }
}

/// The caller's terminal in raw mode while a container's pty is proxied.
struct TerminalMode {
    let fd: Int32
    let saved: termios

    static func makeRaw(_ fd: Int32) -> TerminalMode? {
        guard isatty(fd) == 1 else { return nil }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return nil }
        let saved = t
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
        return TerminalMode(fd: fd, saved: saved)
    }

    func restore() {
        var t = saved
        tcsetattr(fd, TCSANOW, &t)
    }

    static func copySize(from: Int32, to: Int32) {
        var ws = winsize()
        if ioctl(from, UInt(TIOCGWINSZ), &ws) == 0 { _ = ioctl(to, UInt(TIOCSWINSZ), &ws) }
    }
}
