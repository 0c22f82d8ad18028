import Foundation
import Glibc
import XCTest

/// A real `berth daemon` (the built binary) on a temporary socket, data root
/// and exec root, with a busybox image made of Debian's busybox-static,
/// written as a docker archive and `docker load`ed into the daemon's real
/// image store at start. Driven with the real docker CLI and docker-py.
final class DaemonHarness {
    let dir: String
    var socket: String { dir + "/s.sock" }
    var dataRoot: String { dir + "/data" }
    let execRoot: String
    var host: String { "unix://" + socket }
    /// The default network's bridge: one per daemon, so daemons side by side never share one.
    var bridge: String { "bt" + dir.suffix(8) }
    private(set) var process: Process?
    private(set) var daemonLog: String { get { dir + "/daemon.log" } set {} }

    static var berth: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundle.appendingPathComponent("berth").path]
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("berth").path) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Skips unless root, with runc, docker and busybox-static installed.
    static func requirements() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root: containers need namespaces, cgroups and overlay mounts") }
        for tool in ["/usr/sbin/runc", "/bin/busybox"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) missing: run scripts/install-deps.sh")
        }
        guard which("docker") != nil else { throw XCTSkip("docker CLI missing") }
        guard FileManager.default.isExecutableFile(atPath: berth) else { throw XCTSkip("berth not built at \(berth)") }
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// `execRootName`: the exec root's name under the test directory.
    init(execRootName: String = "exec") throws {
        try Self.requirements()
        dir = "/tmp/be-" + UUID().uuidString.prefix(8).lowercased()
        execRoot = dir + "/" + execRootName
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = Self.parentCgroupsBefore
        try Self.makeBusyboxImage(at: dir + "/busybox-image")
        try Self.makeDockerArchive(from: dir + "/busybox-image", tag: "busybox:latest", to: busyboxArchive)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/daemon.json"))
    }

    /// /bin/busybox with one symlink per applet, /etc/passwd and group, and
    /// an image config with docker's busybox Cmd ("sh").
    static func makeBusyboxImage(at directory: String) throws {
        let rootfs = directory + "/rootfs"
        let fm = FileManager.default
        for sub in ["bin", "etc", "tmp", "root", "proc", "sys", "dev", "home"] {
            try fm.createDirectory(atPath: "\(rootfs)/\(sub)", withIntermediateDirectories: true)
        }
        chmod(rootfs + "/tmp", 0o1777)
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        let applets = try run(["/bin/busybox", "--list"]).stdout.split(separator: "\n").map(String.init)
        for applet in applets where applet != "busybox" {
            try? fm.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000::/home:/bin/sh\n"
            .write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\nuser:x:1000:\nstaff:x:50:\n".write(toFile: rootfs + "/etc/group", atomically: true, encoding: .utf8)
        let config = """
        {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
         "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","IMAGE_VAR=from-image"],"Cmd":["sh"],"Labels":{"org.example.image":"busybox"}},
         "rootfs":{"type":"layers","diff_ids":[]}}
        """
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
    }

    /// The OCI runtime: berth's own (the default) unless BERTH_TEST_RUNTIME
    /// names another with runc's command line (e.g. /usr/sbin/runc).
    static var runtimeFlags: [String] {
        guard let r = ProcessInfo.processInfo.environment["BERTH_TEST_RUNTIME"], !r.isEmpty else { return [] }
        return ["--runtime", r]
    }

    /// The busybox image as a docker archive (`docker load -i`).
    var busyboxArchive: String { dir + "/busybox.tar" }
    private var loaded = false

    /// A one-layer docker archive (manifest.json, config, layer.tar) of a
    /// directory image made by `makeBusyboxImage`, the config's diff ID set
    /// to the layer's digest.
    static func makeDockerArchive(from directory: String, tag: String, to archive: String) throws {
        let staging = directory + "/archive"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let tar = try run(["/bin/tar", "--numeric-owner", "-C", directory + "/rootfs", "-cf", staging + "/layer.tar", "."])
        guard tar.status == 0 else { throw HarnessError(message: "tar of the busybox rootfs failed: \(tar.stderr)") }
        let sum = try run(["/usr/bin/sha256sum", staging + "/layer.tar"]).stdout.prefix(64)
        var config = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        config = config.replacingOccurrences(of: "\"diff_ids\":[]", with: "\"diff_ids\":[\"sha256:\(sum)\"]")
        try config.write(toFile: staging + "/config.json", atomically: true, encoding: .utf8)
        try "[{\"Config\":\"config.json\",\"RepoTags\":[\"\(tag)\"],\"Layers\":[\"layer.tar\"]}]"
            .write(toFile: staging + "/manifest.json", atomically: true, encoding: .utf8)
        let pack = try run(["/bin/tar", "-C", staging, "-cf", archive, "manifest.json", "config.json", "layer.tar"])
        guard pack.status == 0 else { throw HarnessError(message: "tar of the busybox archive failed: \(pack.stderr)") }
    }

    /// Starts the daemon, waits for /_ping and, the first time, loads busybox.
    func start(extra: [String] = []) throws {
        try startDaemon(extra: extra)
        if !loaded {
            let load = try docker(["load", "-i", busyboxArchive])
            guard load.status == 0 else { throw HarnessError(message: "docker load of busybox failed: \(load.stderr) \(logText())") }
            loaded = true
        }
    }

    /// Starts the daemon and waits for /_ping.
    func startDaemon(extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.berth)
        process.arguments = ["daemon", "-H", host, "--data-root", dataRoot, "--exec-root", execRoot,
                             "--pidfile", dir + "/berth.pid", "--config-file", dir + "/daemon.json",
                             "--log-level", "debug", "--bridge", bridge] + Self.runtimeFlags + extra
        FileManager.default.createFile(atPath: daemonLog, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: daemonLog))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if process.isRunning == false { break }
            if (try? docker(["version", "--format", "{{.Server.Version}}"]).status) == 0 { return }
            usleep(100_000)
        }
        throw XCTSkip("daemon did not come up: \(logText())") as Error
    }

    func logText() -> String { (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? "" }

    /// SIGTERM and wait: containers keep running (live restore).
    func stopDaemon() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Removes every container, stops the daemon, checks nothing is left
    /// mounted under the test directory, and removes it.
    func tearDown() {
        if process != nil {
            let ids = (try? docker(["ps", "-aq"]).stdout.split(separator: "\n").map(String.init)) ?? []
            if !ids.isEmpty { _ = try? docker(["rm", "-f"] + ids) }
        }
        stopDaemon()
        for mount in mounts() { _ = try? Self.run(["/bin/umount", "-l", mount]) }
        _ = try? Self.run(["/bin/rm", "-rf", dir])
        Self.removeParentCgroups()
    }

    /// The daemon puts containers under a `berth` cgroup in every hierarchy
    /// (as dockerd uses `docker`). Those the tests made are removed once
    /// empty; one that existed before the tests is left alone.
    static let parentCgroupsBefore: Set<String> = Set(parentCgroups().filter { FileManager.default.fileExists(atPath: $0) })

    /// `name`'s parent cgroup in every hierarchy (dockerd's is `docker`).
    static func parentCgroups(named name: String = "berth") -> [String] {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return ["/sys/fs/cgroup/\(name)"] + hierarchies.map { "/sys/fs/cgroup/\($0)/\(name)" }
    }

    static func removeParentCgroups() {
        for dir in parentCgroups() where !parentCgroupsBefore.contains(dir) { rmdir(dir) }
    }

    /// Mount points under the test directory.
    func mounts() -> [String] {
        // Read to the end: /proc files report size 0, and one read gets a page only.
        let data = FileHandle(forReadingAtPath: "/proc/self/mountinfo")?.readDataToEndOfFile() ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4].hasPrefix(dir) ? String(fields[4]) : nil
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    func docker(_ args: [String], stdin: String? = nil, timeout: Double = 60) throws -> Result {
        try Self.run([Self.which("docker")!, "-H", host] + args, stdin: stdin, timeout: timeout,
                     environment: ["DOCKER_CONFIG": dir + "/docker-config"])
    }

    func python(_ script: String) throws -> Result {
        try Self.run(["/usr/bin/python3", "-c", script], timeout: 120, environment: ["DOCKER_HOST": host])
    }

    static func run(_ argv: [String], stdin: String? = nil, timeout: Double = 60, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.set(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.get()
        process.waitUntilExit()
        timer.cancel()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A harness step failed: the test fails (it is not skipped).
struct HarnessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}
