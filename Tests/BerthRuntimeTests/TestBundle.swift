import XCTest
import Foundation
import BerthOCI
@testable import BerthRuntime

/// A bundle on disk for the integration tests: a rootfs of busybox-static
/// and the payload program (tests/payload/payload.c, built static once per
/// test run), and a config.json from `DefaultSpec` the test edits.
final class TestBundle {
    let dir: String
    var spec: RuntimeSpec
    var rootfs: String { dir + "/rootfs" }

    static let repo: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The payload, compiled once with the system C compiler.
    static let payload: String = {
        let out = NSTemporaryDirectory() + "berth-payload-\(getpid())"
        let r = run("/usr/bin/cc", ["-static", "-O1", "-o", out, repo + "/tests/payload/payload.c"])
        precondition(r.status == 0, "building the payload failed: \(r.stderr)")
        return out
    }()

    /// The berth executable next to the test bundle (SwiftPM's build folder).
    static let berth: String = {
        var candidates: [String] = []
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("berth").path) }
        candidates.append(repo + "/.build/debug/berth")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    init(args: [String] = ["/bin/payload"]) throws {
        dir = NSTemporaryDirectory() + "berth-bundle-\(UUID().uuidString.prefix(8))"
        spec = DefaultSpec.make(args: args, terminal: false)
        let rootfs = dir + "/rootfs"
        let fm = FileManager.default
        try fm.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
        // The mount points an image has (a user namespace cannot create them in a rootfs owned by the host's root).
        for d in ["tmp", "proc", "dev", "sys", "etc"] {
            try fm.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        for tool in ["sh", "echo", "cat", "ls", "id", "sleep", "true", "false", "touch", "mkdir", "ps", "grep", "hostname", "kill"] {
            try fm.createSymbolicLink(atPath: rootfs + "/bin/" + tool, withDestinationPath: "busybox")
        }
        try fm.copyItem(atPath: Self.payload, toPath: rootfs + "/bin/payload")
        spec.root?.readonly = true
    }

    func write() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(spec).write(to: URL(fileURLWithPath: dir + "/config.json"))
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The payload's key=value lines.
        var report: [String: String] {
            var out: [String: String] = [:]
            for line in stdout.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                let key = String(line[..<eq])
                out[key] = out[key].map { $0 + "\n" + line[line.index(after: eq)...] } ?? String(line[line.index(after: eq)...])
            }
            return out
        }
        var mounts: [String: String] {
            var out: [String: String] = [:]
            for line in stdout.split(separator: "\n") where line.hasPrefix("mount=") {
                let parts = line.dropFirst(6).split(separator: " ")
                if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
            }
            return out
        }
    }

    /// Runs `exe` to its exit. Output goes to files, not pipes: a created
    /// container's init keeps the runtime's stdio (as with runc), so reading
    /// a pipe to its end would wait for the container.
    static func run(_ exe: String, _ args: [String], stdin: String? = nil) -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let base = NSTemporaryDirectory() + "berth-out-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        fm.createFile(atPath: base + ".out", contents: nil)
        fm.createFile(atPath: base + ".err", contents: nil)
        defer { try? fm.removeItem(atPath: base + ".out"); try? fm.removeItem(atPath: base + ".err") }
        guard let out = FileHandle(forWritingAtPath: base + ".out"), let err = FileHandle(forWritingAtPath: base + ".err") else {
            return Result(status: -1, stdout: "", stderr: "cannot create output files")
        }
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        do { try p.run() } catch { return Result(status: -1, stdout: "", stderr: "\(error)") }
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)); try? inPipe.fileHandleForWriting.close() }
        p.waitUntilExit()
        try? out.close(); try? err.close()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: fm.contents(atPath: base + ".out") ?? Data(), as: UTF8.self),
                      stderr: String(decoding: fm.contents(atPath: base + ".err") ?? Data(), as: UTF8.self))
    }
}

/// A state directory for one test, and `berth runtime` (or runc) on it.
final class RuntimeHarness {
    let root = NSTemporaryDirectory() + "berth-rt-\(UUID().uuidString.prefix(8))"
    var created: [String] = []

    func berth(_ args: [String], stdin: String? = nil) -> TestBundle.Result {
        TestBundle.run(TestBundle.berth, ["runtime", "--root", root] + args, stdin: stdin)
    }

    func runc(_ args: [String]) -> TestBundle.Result {
        TestBundle.run("/usr/sbin/runc", ["--root", root + "-runc"] + args)
    }

    /// Deletes whatever the test left, then the state directories.
    func cleanUp() {
        for id in created { _ = berth(["delete", "--force", id]); _ = runc(["delete", "--force", id]) }
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: root + "-runc")
    }
}

func requireRoot() throws {
    try XCTSkipUnless(getuid() == 0, "needs root: namespaces, mounts and cgroups")
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (apt-get install busybox-static)")
}
