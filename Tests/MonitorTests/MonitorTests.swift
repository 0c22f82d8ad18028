import XCTest
import Foundation
import Glibc

/// Drives the real per-container monitor (`berth __monitor`, C) with a
/// stand-in create command: a shell that starts a background process and
/// writes its pid, exactly as `berth runtime create` leaves a container init
/// behind. No root needed: subreaper, pipes and Unix sockets are unprivileged.
final class MonitorTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("berth-monitor-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// The berth executable next to the test bundle (SwiftPM's build folder).
    var berth: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundle.appendingPathComponent("berth").path]
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("berth").path) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    struct Started {
        let syncLine: String
        let initPid: Int32?
    }

    /// Starts the monitor; returns what it reported on the sync channel.
    func startMonitor(script: String, extra: [String] = []) throws -> Started {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: berth), "berth not built at \(berth): run swift build first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: berth)
        process.arguments = ["__monitor", "--sync-fd", "1",
                             "--attach-socket", path("attach.sock"), "--pid-file", path("init.pid"),
                             "--exit-file", path("exit.json"), "--log", path("container.log")] + extra +
            ["--", "/bin/sh", "-c", script.replacingOccurrences(of: "PIDFILE", with: path("init.pid"))]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = line.hasPrefix("ok ") ? Int32(line.dropFirst(3)) : nil
        return Started(syncLine: line, initPid: pid)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func waitFor(_ name: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path(name)) { return true }
            usleep(20_000)
        }
        return false
    }

    func exitCode() throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("exit.json")))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return json["exitCode"] as! Int
    }

    func logLines(_ name: String = "container.log") throws -> [[String: String]] {
        let text = try String(contentsOfFile: path(name), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String]
        }
    }

    func testRecordsExitCodeAndWritesDockerJSONLog() throws {
        let started = try startMonitor(script: #"sh -c 'echo out; echo "err <&>" >&2; sleep 0.2; printf "no newline"; exit 7' & echo $! > PIDFILE"#)
        XCTAssertNotNil(started.initPid, "monitor reported: \(started.syncLine)")
        XCTAssertTrue(waitFor("exit.json"), "no exit file")
        XCTAssertEqual(try exitCode(), 7)
        let lines = try logLines()
        XCTAssertEqual(lines.map { $0["log"]! }.sorted(), ["err <&>\n", "no newline", "out\n"])
        XCTAssertEqual(lines.first { $0["log"] == "out\n" }?["stream"], "stdout")
        XCTAssertEqual(lines.first { $0["log"] == "err <&>\n" }?["stream"], "stderr")
        XCTAssertTrue(lines.allSatisfy { ($0["time"] ?? "").hasSuffix("Z") })
        // docker escapes HTML characters in json-file logs.
        XCTAssertTrue(try String(contentsOfFile: path("container.log"), encoding: .utf8).contains(#"err \u003c\u0026\u003e\n"#))
        // The monitor removes its socket right after writing the exit file.
        let deadline = Date().addingTimeInterval(5)
        while FileManager.default.fileExists(atPath: path("attach.sock")) && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("attach.sock")), "socket left behind")
    }

    func testAttachStreamsOutputAndStdinThenExit() throws {
        let started = try startMonitor(
            script: #"exec 3<&0; sh -c 'sleep 0.3; tr a-z A-Z <&3; echo done >&2' & echo $! > PIDFILE"#,
            extra: ["--stdin"])
        XCTAssertNotNil(started.initPid, "monitor reported: \(started.syncLine)")
        let fd = try connect(path("attach.sock"))
        defer { close(fd) }
        try sendFrame(fd, type: 0, Array("hello monitor\n".utf8))
        try sendFrame(fd, type: 4, [])
        var stdout = "", stderr = "", exit: Int32?
        while exit == nil, let (type, payload) = readFrame(fd) {
            switch type {
            case 1: stdout += String(decoding: payload, as: UTF8.self)
            case 2: stderr += String(decoding: payload, as: UTF8.self)
            case 3: exit = payload.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
            default: XCTFail("unexpected frame \(type)")
            }
        }
        XCTAssertEqual(stdout, "HELLO MONITOR\n")
        XCTAssertEqual(stderr, "done\n")
        XCTAssertEqual(exit, 0)
    }

    /// `--wait-client` (used for execs, which run as soon as the runtime is
    /// called): the command runs only once a client is connected, so that
    /// client sees output written at once, even when the process exits at once.
    func testWaitClientSeesImmediateOutput() throws {
        let socketPath = path("attach.sock")
        let connected = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var fd: Int32 = -1
        DispatchQueue.global().async {
            for _ in 0..<500 {
                if let c = try? Self.connectSocket(socketPath) { fd = c; break }
                usleep(10_000)
            }
            connected.signal()
        }
        let started = try startMonitor(script: #"sh -c 'echo instant' & echo $! > PIDFILE"#, extra: ["--wait-client"])
        connected.wait()
        XCTAssertNotNil(started.initPid, started.syncLine)
        XCTAssertGreaterThanOrEqual(fd, 0, "could not connect")
        defer { close(fd) }
        var stdout = "", exit: Int32?
        while exit == nil, let (type, payload) = readFrame(fd) {
            if type == 1 { stdout += String(decoding: payload, as: UTF8.self) }
            if type == 3 { exit = payload.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) } }
        }
        XCTAssertEqual(stdout, "instant\n")
        XCTAssertEqual(exit, 0)
    }

    func testRotatesLogAtMaxSizeKeepingMaxFiles() throws {
        let started = try startMonitor(script: #"sh -c 'i=0; while [ $i -lt 60 ]; do echo line-$i; i=$((i+1)); done' & echo $! > PIDFILE"#,
                                       extra: ["--log-max-size", "400", "--log-max-files", "3"])
        XCTAssertNotNil(started.initPid, started.syncLine)
        XCTAssertTrue(waitFor("exit.json"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("container.log") }.sorted()
        XCTAssertEqual(names, ["container.log", "container.log.1", "container.log.2"])
        for name in names {
            XCTAssertLessThanOrEqual(try Data(contentsOf: URL(fileURLWithPath: path(name))).count, 400)
        }
        // The newest lines survive, in order, across the kept files.
        let kept = try (logLines("container.log.2") + logLines("container.log.1") + logLines()).map { $0["log"]! }
        XCTAssertEqual(kept.last, "line-59\n")
        XCTAssertEqual(kept, (60 - kept.count ..< 60).map { "line-\($0)\n" })
    }

    func testFailingCreateIsReportedAndLeavesNothing() throws {
        let started = try startMonitor(script: "echo boom >&2; exit 3")
        XCTAssertEqual(started.syncLine, "error create exited with status 3")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("attach.sock")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("exit.json")))
    }

    func testBadArgumentsAreNamed() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: berth)
        process.arguments = ["__monitor", "--bogus", "x"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 2)
        XCTAssertEqual(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       "berth monitor: unknown option --bogus\n")
    }

    // MARK: - attach socket frames

    func connect(_ socketPath: String) throws -> Int32 { try Self.connectSocket(socketPath) }

    static func connectSocket(_ socketPath: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            _ = socketPath.utf8CString.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 { close(fd); throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        return fd
    }

    func sendFrame(_ fd: Int32, type: UInt8, _ payload: [UInt8]) throws {
        let n = UInt32(payload.count)
        let frame = [type, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
        XCTAssertEqual(frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, frame.count)
    }

    func readFrame(_ fd: Int32) -> (UInt8, [UInt8])? {
        guard let header = readExactly(fd, 5) else { return nil }
        let n = Int(header[1]) << 24 | Int(header[2]) << 16 | Int(header[3]) << 8 | Int(header[4])
        guard let payload = readExactly(fd, n) else { return nil }
        return (header[0], payload)
    }

    func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n <= 0 { return nil }
            got += n
        }
        return buffer
    }
}
