import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Starts the per-container monitor (`berth __monitor …`, C, see
/// ARCHITECTURE.md) and reads what it reports on its sync channel.
struct MonitorLauncher: Sendable {
    /// The berth executable (the monitor lives in it).
    let executable: String

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
        var argv = [executable, "__monitor", "--sync-fd", "3", "--attach-socket", files.attachSocket,
                    "--pid-file", files.pidFile, "--exit-file", files.exitFile,
                    "--monitor-pid-file", files.monitorPidFile]
        if let log { argv += ["--log", log] }
        if logMaxSize > 0 { argv += ["--log-max-size", String(logMaxSize), "--log-max-files", String(max(1, logMaxFiles))] }
        if tty { argv.append("--tty") }
        if openStdin { argv.append("--stdin") }
        if connectFirst { argv.append("--wait-client") }
        argv += ["--"] + command
        let sync = try Pipe2()
        let pid: pid_t
        do {
            pid = try Spawn.start(argv, files: [3: sync.write])
        } catch {
            sync.closeAll()
            throw error
        }
        close(sync.write)
        let socket = files.attachSocket
        let (line, connection): (String, MonitorConnection?) = try await offload {
            var connection: MonitorConnection?
            if connectFirst {
                // Until the monitor listens (or reports a failure).
                for _ in 0..<2000 {
                    if let c = try? MonitorConnection(path: socket) { connection = c; break }
                    var pfd = pollfd(fd: sync.read, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 5) > 0 { break }
                }
            }
            let bytes = Spawn.readAll(sync.read)
            close(sync.read)
            _ = Spawn.waitForExit(pid)
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
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BerthError(SystemError("socket", errno: errno), while: "connect to the monitor") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw BerthError.invalidArgument("monitor socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let error = errno
            close(fd)
            throw BerthError(SystemError("connect", path: path, errno: error), while: "connect to the monitor")
        }
        self.fd = fd
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
