import XCTest
import Foundation
import BerthSystem
@testable import BerthCompose

/// A temporary project directory, removed by the test's teardown.
final class TempDir {
    let path: String

    init(_ test: XCTestCase) throws {
        var base = NSTemporaryDirectory()
        while base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/berth-compose-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
        path = String(cString: p)
        test.addTeardownBlock { [path] in try? FileManager.default.removeItem(atPath: path) }
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }
}

func loadProject(_ dir: TempDir, files: [String] = [], env: [String: String] = [:], configure: (inout ProjectOptions) -> Void = { _ in }) throws -> Project {
    var options = ProjectOptions(workingDirectory: dir.path, files: files, environment: env)
    configure(&options)
    return try ProjectLoader.load(options)
}

/// The message of the BerthError `body` throws, or a failure.
func errorMessage(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch let e as BerthError {
        return e.message
    } catch {
        return "\(error)"
    }
}
