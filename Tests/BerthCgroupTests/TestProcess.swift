import Foundation
import XCTest

/// A child process for the real-kernel tests: started with a pipe on stdin
/// so the test can move it into a cgroup before it does anything.
final class TestProcess {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()

    init(_ executable: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// A `sh -c` script that first reads one line: the go signal.
    static func shell(_ script: String) throws -> TestProcess {
        try TestProcess("/bin/sh", ["-c", "read go; " + script])
    }

    var pid: Int32 { process.processIdentifier }

    func go() { stdin.fileHandleForWriting.write("go\n".data(using: .utf8)!) }

    /// Waits up to `seconds` for the process to exit; true when it did.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if !process.isRunning { process.waitUntilExit() }
        return !process.isRunning
    }

    func output() -> String { String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
    func errors() -> String { String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    func kill() {
        if process.isRunning { Foundation.kill(pid, SIGKILL) }
        wait(seconds: 5)
    }
}

/// Reads a file as trimmed text, "" when it cannot.
func readTrimmed(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Polls `condition` for up to `seconds`.
func eventually(_ seconds: Double = 3, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
