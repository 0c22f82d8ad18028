import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Starts the per-container monitor (berth-monitor, C, carried in the berth
/// binary: MonitorImage; see ARCHITECTURE.md) and reads what it reports on
/// its sync channel.
struct MonitorLauncher: Sendable {
    /// The berth executable (whose `runtime` the monitor may start sealed).
    let executable: String
    /// Forks the monitors (one per daemon, started at the first launch).
    let zygote: MonitorZygote

    init(executable: String, zygoteSocket: String) {
        self.executable = executable
        zygote = MonitorZygote(executable: executable, socketPath: zygoteSocket)
    }

    /// Files of one monitored process (the container's init or an exec).
    struct Files: Sendable {
        var directory: String
        var attachSocket: String { directory + "/attach" }
        var pidFile: String { directory + "/init.pid" }
        var exitFile: String { directory + "/exit.json" }
        var monitorPidFile: String { directory + "/monitor.pid" }
        var runtimeLog: String { directory + "/runtime.log" }
        var consoleSocket: String { attachSocket + ".console" }
    }

    /// Runs the monitor with `command` (the runtime's create or exec) and
    /// returns the init's pid once the runtime has created it.
    func launch(files: Files, log: String?, logMaxSize: Int64, logMaxFiles: Int, tty: Bool, openStdin: Bool,
                command: [String]) async throws -> Int32 {
        try await launch(files: files, log: log, logMaxSize: logMaxSize, logMaxFiles: logMaxFiles, tty: tty,
                         openStdin: openStdin, command: command, connectFirst: false).pid
    }

    /// With `connectFirst`, the monitor waits for one attach client before
    /// it runs `command` (an exec runs at once: its first bytes need a
    /// reader), and that connection is returned.
    func launch(files: Files, log: String?, logMaxSize: Int64, logMaxFiles: Int, tty: Bool, openStdin: Bool,
                command: [String], connectFirst: Bool) async throws -> (pid: Int32, connection: MonitorConnection?) {
        var argv = ["berth-monitor", "__monitor", "--sync-fd", "3", "--attach-socket", files.attachSocket,
                    "--pid-file", files.pidFile, "--exit-file", files.exitFile,
                    "--monitor-pid-file", files.monitorPidFile]
        if let log { argv += ["--log", log] }
        if logMaxSize > 0 { argv += ["--log-max-size", String(logMaxSize), "--log-max-files", String(max(1, logMaxFiles))] }
        if tty { argv.append("--tty") }
        if openStdin { argv.append("--stdin") }
        if connectFirst { argv.append("--wait-client") }
        // berth's own runtime: the monitor starts it from a sealed copy.
        if command.count > 1, command[0] == executable, command[1] == "runtime" { argv.append("--seal-runtime") }
        argv += ["--"] + command
        let socket = files.attachSocket
        let zygote = self.zygote
        let request = argv
        let (line, connection): (String, MonitorConnection?) = try await offload {
            // The zygote forks the monitor; this connection is its sync channel.
            let sync = try zygote.request(request)
            var connection: MonitorConnection?
            if connectFirst {
                // Until the monitor listens (or reports a failure).
                for _ in 0..<2000 {
                    if let c = try? MonitorConnection(path: socket) { connection = c; break }
                    var pfd = pollfd(fd: sync, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 5) > 0 { break }
                }
            }
            let bytes = Spawn.readAll(sync)
            close(sync)
            return (String(decoding: bytes, as: UTF8.self).trimmingWhitespace(), connection)
        }
        if line.hasPrefix("ok "), let initPid = Int32(line.dropFirst(3)) { return (initPid, connection) }
        var message = line.hasPrefix("error ") ? String(line.dropFirst(6)) : (line.isEmpty ? "monitor exited without a report" : line)
        if let logged = OCIRuntime.loggedError(files.runtimeLog) { message = logged }
        throw BerthError.internalError(message)
    }

    /// The pid of a still running monitor, from its pid file.
    static func runningMonitor(_ files: Files) -> Int32? {
        guard let data = FileManager.default.contents(atPath: files.monitorPidFile),
              let pid = Int32(String(decoding: data, as: UTF8.self).trimmingWhitespace()),
              pid > 0, Glibc.kill(pid, 0) == 0 else { return nil }
        return pid
    }
}

/// The monitors' zygote (`berth-monitor __monitor-zygote`, C, monitor.c):
/// one process started at the first launch; each monitor is forked from it,
/// so a container start executes nothing for its monitor and the monitors
/// share the zygote's pages. A connection to its socket
/// carries one request (the monitor's argv) and becomes that monitor's sync
/// channel. The zygote exits when the daemon closes the lifeline (or dies);
/// a zygote found gone is started again.
final class MonitorZygote: @unchecked Sendable {
    let executable: String
    let socketPath: String
    private let lock = Lock()
    private var lifeline: Int32 = -1
    private var pid: pid_t = 0

    init(executable: String, socketPath: String) {
        self.executable = executable
        self.socketPath = socketPath
    }

    deinit { if lifeline >= 0 { close(lifeline) } }

    /// Sends `argv` and returns the monitor's sync channel. Blocking.
    func request(_ argv: [String]) throws -> Int32 {
        var body: [UInt8] = []
        for arg in argv { body += Array(arg.utf8) + [0] }
        let n = UInt32(body.count)
        let message = [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + body
        var lastError: Error?
        for attempt in 0..<2 {
            do {
                let fd = try lock.withLock { () throws -> Int32 in
                    if attempt > 0 || lifeline < 0 { try startLocked() }
                    return try MonitorConnection.connectSocket(socketPath)
                }
                guard message.withUnsafeBytes({ Spawn.writeAll(fd, $0) }) else {
                    let error = errno
                    close(fd)
                    throw BerthError(SystemError("write", path: socketPath, errno: error), while: "ask the monitor zygote")
                }
                return fd
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// (Re)starts the zygote and waits until it listens.
    private func startLocked() throws {
        if lifeline >= 0 { close(lifeline); lifeline = -1 }
        if pid > 0 { var status: Int32 = 0; _ = waitpid(pid, &status, WNOHANG); pid = 0 }
        let channel = try Pipe2()
        let started: pid_t
        do {
            started = try Spawn.start(["berth-monitor", "__monitor-zygote", "--socket", socketPath],
                                      path: try MonitorImage.path(), files: [3: channel.write])
        } catch {
            channel.closeAll()
            if let policy = try? ProcFile.read("/proc/sys/vm/memfd_noexec"),
               policy.trimmingWhitespace() == "2" {
                throw BerthError.internalError("the monitor cannot start: vm.memfd_noexec=2 forbids executing a memfd, "
                    + "and berth runs its monitor from one (set the sysctl to 0 or 1): \(error)")
            }
            throw error
        }
        close(channel.write)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(channel.read, &byte, 1) == 1, byte != 10 { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text == "ready" else {
            close(channel.read)
            _ = Spawn.waitForExit(started)
            throw BerthError.internalError("the monitor zygote did not start: \(text.isEmpty ? "it exited" : text)")
        }
        lifeline = channel.read
        pid = started
    }
}

/// What the monitor wrote when the process exited.
struct ExitRecord: Codable, Sendable {
    var exitCode: Int
    var signal: Int
    var pid: Int
    var finishedAt: String

    static func read(_ path: String) -> ExitRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ExitRecord.self, from: data)
    }
}

/// A frame of the monitor's attach socket: `[type:1][length:4][payload]`.
enum MonitorFrame: Sendable {
    case stdout([UInt8])
    case stderr([UInt8])
    case exit(Int32)
}

/// One client connection to a monitor's attach socket. Reads run on a
/// thread of their own (blocking I/O never touches the cooperative pool).
final class MonitorConnection: @unchecked Sendable {
    let fd: Int32
    private let writeLock = Lock()

    static let stdinFrame: UInt8 = 0, stdinClose: UInt8 = 4, resize: UInt8 = 5

    init(path: String) throws {
        fd = try Self.connectSocket(path)
    }

    /// A connected Unix stream socket (close-on-exec) to `path`.
    static func connectSocket(_ path: String) throws -> Int32 {
        do { return try UnixSocket.connect(path) } catch {
            throw BerthError(error, while: "connect to the monitor")
        }
    }

    deinit { close(fd) }

    /// The frames until the monitor closes the connection.
    func frames() -> AsyncStream<MonitorFrame> {
        let fd = self.fd
        return AsyncStream { continuation in
            BlockingThread.start {
                while let (type, payload) = Self.readFrame(fd) {
                    switch type {
                    case 1: continuation.yield(.stdout(payload))
                    case 2: continuation.yield(.stderr(payload))
                    case 3 where payload.count == 4:
                        let code = Int32(bitPattern: UInt32(payload[0]) << 24 | UInt32(payload[1]) << 16 | UInt32(payload[2]) << 8 | UInt32(payload[3]))
                        continuation.yield(.exit(code))
                    default: break
                    }
                }
                continuation.finish()
            }
        }
    }

    func send(_ type: UInt8, _ payload: [UInt8] = []) {
        let n = UInt32(payload.count)
        let frame = [type, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
        writeLock.withLock { _ = frame.withUnsafeBytes { Spawn.writeAll(fd, $0) } }
    }

    /// Stops reading: the reader thread sees EOF.
    func shutdownBoth() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    private static func readFrame(_ fd: Int32) -> (UInt8, [UInt8])? {
        guard let header = readExactly(fd, 5) else { return nil }
        let n = Int(header[1]) << 24 | Int(header[2]) << 16 | Int(header[3]) << 8 | Int(header[4])
        guard let payload = readExactly(fd, n) else { return nil }
        return (header[0], payload)
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return nil }
            got += n
        }
        return buffer
    }
}
