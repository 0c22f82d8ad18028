import BerthImages
import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem
import BerthTestSupport
import Foundation
import Glibc
import XCTest

/// A temporary directory removed when the test ends (after any mounts in it
/// are gone: tests unmount in their own teardown blocks, which run first).
func makeTempDir(_ test: XCTestCase, _ name: String = "images") throws -> String {
    var template = Array("/tmp/berth-\(name)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
    let path = String(cString: made)
    test.addTeardownBlock { _ = try? FileManager.default.removeItem(atPath: path) }
    return path
}

func requireRoot() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root (overlay snapshots, chown and mknod while unpacking)") }
}

func requireRegistry() throws {
    if let reason = TestRegistry.unavailableReason { throw XCTSkip(reason) }
}

/// A service over a fresh store that trusts the test registry.
func makeService(_ test: XCTestCase, registry: TestRegistry? = nil) throws -> ImageService {
    let root = try makeTempDir(test, "root")
    let config = RegistryConfiguration(certsDirectory: registry?.certsDirectory ?? "/nonexistent", credentials: nil)
    let service = ImageService(store: try Store(root: root), registry: config)
    if let registry, let user = registry.username, let password = registry.password {
        service.credentials[registry.host] = RegistryCredentials(username: user, password: password)
    }
    return service
}

/// Collects progress events from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PullProgress] = []
    var events: [PullProgress] { lock.withLock { items } }
    var handler: ProgressHandler { { event in self.lock.withLock { self.items.append(event) } } }
    func statuses(for id: String) -> [String] { events.filter { $0.id == id }.map(\.status) }
}

/// Mounts the image's layers read-only at a temporary directory for
/// `body` to look at, and unmounts after.
func withImageView<T>(_ test: XCTestCase, _ service: ImageService, _ image: StoredImage, _ body: (String) throws -> T) throws -> T {
    let key = "view-\(UUID().uuidString)"
    let mounts = try service.store.snapshotter.view(key, parent: image.chainIDs.last?.description)
    let target = try makeTempDir(test, "view")
    try Mounter.mount(mounts, at: target)
    defer {
        try? Mounter.unmount(target)
        try? service.store.snapshotter.remove(key)
    }
    return try body(target)
}

/// The berth executable this test run built.
var berthExecutable: String {
    let here = URL(fileURLWithPath: #filePath)  // Tests/BerthImagesTests/TestSupport.swift
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for candidate in [".build/debug/berth", ".build/x86_64-unknown-linux-gnu/debug/berth", ".build/aarch64-unknown-linux-gnu/debug/berth"] {
        let path = root.appendingPathComponent(candidate).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return root.appendingPathComponent(".build/debug/berth").path
}

/// Runs a program, returns (status, stdout, stderr).
@discardableResult
func runProgram(_ arguments: [String], input: Data? = nil) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let input {
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        inPipe.fileHandleForWriting.write(input)
        try inPipe.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

func assertBerthError<T>(_ code: BerthError.Code, contains fragment: String, file: StaticString = #filePath, line: UInt = #line,
                         _ body: () async throws -> T) async {
    do {
        _ = try await body()
        XCTFail("expected a \(code) error containing \"\(fragment)\"", file: file, line: line)
    } catch let error as BerthError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(fragment), "\"\(error)\" does not contain \"\(fragment)\"", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// What the store holds, to compare before and after a failed operation.
struct StoreSnapshot: Equatable {
    var blobs: [Digest]
    var snapshots: [String]
    var images: [String]

    init(_ store: Store) throws {
        blobs = try store.content.list().map(\.digest)
        snapshots = try store.snapshotter.list().map(\.key).sorted()
        images = try store.metadata.images().map(\.name)
    }
}
