import XCTest
import Foundation
import Glibc
@testable import BerthSystem

/// A temporary directory removed when the test ends.
func makeTempDir(_ test: XCTestCase, _ name: String = "store") throws -> String {
    var template = Array("/tmp/berth-\(name)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
    let path = String(cString: made)
    test.addTeardownBlock { _ = try? FileManager.default.removeItem(atPath: path) }
    return path
}

func requireRoot() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root (mounts, mknod, chown)") }
}

/// Runs a program and returns its exit status; output goes to the test log.
@discardableResult
func run(_ arguments: [String], in directory: String? = nil) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func assertBerthError(_ code: BerthError.Code, contains fragment: String, file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a \(code) error containing \"\(fragment)\"", file: file, line: line)
    } catch let error as BerthError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(fragment), "\"\(error)\" does not contain \"\(fragment)\"", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
