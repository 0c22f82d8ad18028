import Foundation

/// A real registry for tests: Debian's docker-registry on a free 127.0.0.1
/// port, started by tests/fixtures/registry.py and filled with the fixture
/// images (busybox for amd64 and arm64 with an index, layers, big).
///
///     if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
///     let registry = try TestRegistry.start(mode: .token)
///     defer { registry.stop() }
///     let ref = try Reference(parsing: "\(registry.host)/busybox:latest")
///
/// `stop()` ends the registry (and the token server) and removes its
/// temporary directory; if the test process dies, the fixture sees its
/// stdin close and cleans up the same way.
public final class TestRegistry: @unchecked Sendable {
    /// How the registry is reached.
    public enum Mode: String, Sendable, CaseIterable {
        /// Plain HTTP, no auth.
        case plain
        /// HTTPS with a CA made for this run (`caFile`, `certsDirectory`).
        case tls
        /// HTTP with htpasswd Basic auth (`username`, `password`).
        case basic
        /// HTTP with Bearer tokens from a token server (`tokenRealm`):
        /// anonymous gets pull, the user gets pull and push.
        case token
    }

    /// `127.0.0.1:PORT`: the domain of references to this registry.
    public let host: String
    /// `http://127.0.0.1:PORT` or `https://…`.
    public let url: String
    public let mode: Mode
    public let username: String?
    public let password: String?
    /// The CA that signed the TLS registry's certificate.
    public let caFile: String?
    /// A certs.d directory holding `HOST:PORT/ca.crt` for this registry.
    public let certsDirectory: String?
    public let tokenRealm: String?
    /// The OCI image layout the images were pushed from (blobs, index.json, fixtures.json).
    public let layoutDirectory: String?
    /// Pushed references (`busybox:latest`) and their manifest digests.
    public let images: [String: String]
    /// The registry's log; with `accessLog` it has one line per request
    /// (`"GET /v2/big/blobs/sha256:… HTTP/1.1" 200 26214400`).
    public let logFile: String?

    private let process: Process
    private let stdin: Pipe

    /// Why the fixture cannot run here, or nil when it can.
    public static var unavailableReason: String? {
        let registry = ProcessInfo.processInfo.environment["BERTH_DOCKER_REGISTRY"] ?? "/usr/bin/docker-registry"
        if !FileManager.default.isExecutableFile(atPath: registry) {
            return "\(registry) is missing (apt-get install docker-registry)"
        }
        if findPython() == nil { return "python3 is missing" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") { return "openssl is missing" }
        return nil
    }

    /// tests/fixtures in this checkout.
    public static var fixturesDirectory: String {
        let here = URL(fileURLWithPath: #filePath)  // Sources/BerthTestSupport/TestRegistry.swift
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/fixtures").path
    }

    static func findPython() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin"] {
            let path = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Starts a registry and pushes `images` (names from tests/fixtures/images.py:
    /// `busybox`, `layers`, `big`) to it. Blocks until it is ready.
    public static func start(mode: Mode, images: [String] = ["busybox", "layers"], accessLog: Bool = false) throws -> TestRegistry {
        if let reason = unavailableReason { throw TestRegistryError(message: reason) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: findPython()!)
        process.arguments = [fixturesDirectory + "/registry.py", "serve", "--mode", mode.rawValue,
                             "--images", images.joined(separator: ",")] + (accessLog ? ["--access-log"] : [])
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // The fixture prints one JSON line when ready (or {"error": ...}).
        var line = Data()
        let handle = stdout.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
            if chunk.contains(UInt8(ascii: "\n")) { break }
        }
        guard let info = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any], info["error"] == nil,
              let host = info["host"] as? String else {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            let text = String(decoding: line, as: UTF8.self)
            throw TestRegistryError(message: "registry fixture (\(mode.rawValue)) failed to start: \(text.isEmpty ? "no output" : text)")
        }
        return TestRegistry(process: process, stdin: stdin, mode: mode, host: host, info: info)
    }

    private init(process: Process, stdin: Pipe, mode: Mode, host: String, info: [String: Any]) {
        self.process = process
        self.stdin = stdin
        self.mode = mode
        self.host = host
        self.url = info["url"] as? String ?? "http://\(host)"
        self.username = info["username"] as? String
        self.password = info["password"] as? String
        self.caFile = info["caFile"] as? String
        self.certsDirectory = info["certsDir"] as? String
        self.tokenRealm = info["tokenRealm"] as? String
        self.layoutDirectory = info["layout"] as? String
        self.images = info["images"] as? [String: String] ?? [:]
        self.logFile = info["log"] as? String
    }

    /// Requests the access log shows so far (needs `accessLog: true`):
    /// method, path, status and bytes sent, in order.
    public func accessLogRequests() throws -> [(method: String, path: String, status: Int, bytes: Int64)] {
        guard let logFile else { return [] }
        let text = try String(contentsOfFile: logFile, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            // ... "GET /v2/x/blobs/sha256:… HTTP/1.1" 206 1234 "" "berth/0.1"
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            guard quoted.count >= 3 else { return nil }
            let request = quoted[1].split(separator: " ")
            let after = quoted[2].split(separator: " ")
            guard request.count >= 2, after.count >= 2, let status = Int(after[0]) else { return nil }
            return (String(request[0]), String(request[1]), status, Int64(after[1]) ?? 0)
        }
    }

    /// Stops the registry and removes its files. Safe to call twice.
    public func stop() {
        guard process.isRunning else { return }
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A blob of the fixture layout, read from disk (for comparing with what
    /// a pull delivered).
    public func layoutBlob(_ digest: String) throws -> Data {
        guard let layoutDirectory else { throw TestRegistryError(message: "no images were pushed") }
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return try Data(contentsOf: URL(fileURLWithPath: "\(layoutDirectory)/blobs/sha256/\(hex)"))
    }
}

/// The fixture could not start; the message says why.
public struct TestRegistryError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
