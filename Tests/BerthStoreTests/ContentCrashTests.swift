import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem

/// kill -9 of a real process in the middle of an ingest: the test binary
/// runs itself with a filter selecting `testChildWritesHalfThenWaits`, which
/// is berth's writer in another process; the parent kills it and resumes.
final class ContentCrashTests: XCTestCase {
    static let bytes: [UInt8] = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }

    func testChildWritesHalfThenWaits() throws {
        guard let root = ProcessInfo.processInfo.environment["BERTH_CRASH_CHILD_ROOT"] else {
            throw XCTSkip("runs only as the child of testKilledWriterResumes")
        }
        let store = try ContentStore(root: root)
        let digest = DigestHasher.digest(of: Self.bytes)
        let writer = try store.writer(ref: "crash", expected: digest, size: Int64(Self.bytes.count))
        try writer.write(Self.bytes[0..<1_500_000])
        FileManager.default.createFile(atPath: root + "/ready", contents: nil)
        while true { sleep(1) }
    }

    func testKilledWriterResumes() throws {
        let root = try makeTempDir(self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        process.arguments = ["BerthStoreTests.ContentCrashTests/testChildWritesHalfThenWaits"]
        process.environment = ProcessInfo.processInfo.environment.merging(["BERTH_CRASH_CHILD_ROOT": root]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: root + "/ready") {
            guard process.isRunning, Date() < deadline else { return XCTFail("child never reached the middle of its ingest") }
            usleep(20_000)
        }
        let store = try ContentStore(root: root)
        let digest = DigestHasher.digest(of: Self.bytes)
        // While the child lives it holds the ingest.
        assertBerthError(.unavailable, contains: "another writer") {
            _ = try store.writer(ref: "crash", expected: digest, size: Int64(Self.bytes.count))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)

        let writer = try store.writer(ref: "crash", expected: digest, size: Int64(Self.bytes.count))
        XCTAssertEqual(writer.offset, 1_500_000)
        try writer.write(Self.bytes[1_500_000...])
        try writer.commit()
        XCTAssertEqual(try store.read(digest), Self.bytes)
    }
}
