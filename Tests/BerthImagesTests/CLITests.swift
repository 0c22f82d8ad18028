import BerthTestSupport
import Foundation
import XCTest

/// The `berth` image commands as a user runs them, on a store of their own.
final class CLITests: XCTestCase {
    func testImageCommandsEndToEnd() throws {
        try requireRoot()
        try requireRegistry()
        guard FileManager.default.isExecutableFile(atPath: berthExecutable) else { throw XCTSkip("\(berthExecutable) is not built") }
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        defer { registry.stop() }
        let root = try makeTempDir(self, "cli")
        func berth(_ arguments: String..., input: Data? = nil) throws -> (Int32, String, String) {
            var args = arguments
            args.insert(contentsOf: ["--root", root], at: arguments.first == "image" ? 2 : 1)
            return try runProgram([berthExecutable] + args, input: input)
        }
        let ref = "\(registry.host)/busybox:latest"

        // Not a terminal: one line per event, docker's wording.
        let (status, pulled, error) = try berth("pull", "--platform", "linux/arm64/v8", ref)
        XCTAssertEqual(status, 0, error)
        let lines = pulled.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "latest: Pulling from \(registry.host)/busybox")
        XCTAssertTrue(lines.contains { $0.hasSuffix(": Pull complete") })
        XCTAssertTrue(lines.contains("Status: Downloaded newer image for \(ref)"))
        XCTAssertEqual(lines.last, ref)

        let (_, table, _) = try berth("images")
        let rows = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(rows.first, ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"])
        XCTAssertEqual(rows.dropFirst().first?.prefix(2), ["\(registry.host)/busybox", "latest"])
        // IMAGE ID is 12 hex digits; CREATED "2 years ago" (2024-01-01); SIZE in docker's decimal units.
        XCTAssertEqual(rows.dropFirst().first?[2].count, 12, table)
        XCTAssertEqual(rows.dropFirst().first?[4...5], ["years", "ago"], table)
        XCTAssertTrue(rows.dropFirst().first?.last?.hasSuffix("MB") ?? false, table)

        let (_, json, _) = try berth("image", "inspect", ref)
        let inspected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]).first
        XCTAssertEqual(inspected?["Architecture"] as? String, "arm64")
        XCTAssertEqual((inspected?["RootFS"] as? [String: Any])?["Type"] as? String, "layers")
        let id = try XCTUnwrap(inspected?["Id"] as? String)

        XCTAssertEqual(try berth("tag", ref, "copy:v1").0, 0)
        let archive = root + "/saved.tar"
        XCTAssertEqual(try berth("save", "-o", archive, "copy:v1").0, 0)
        let (rmiStatus, removed, _) = try berth("rmi", ref)
        XCTAssertEqual(rmiStatus, 0)
        XCTAssertEqual(removed, "Untagged: \(ref)\n", "another tag keeps the image")
        let (failed, _, message) = try berth("rmi", "nope:none")
        XCTAssertEqual(failed, 1)
        XCTAssertEqual(message, "Error: No such image: nope:none\n")
        let (_, deleted, _) = try berth("rmi", "-f", id)
        XCTAssertTrue(deleted.hasSuffix("Deleted: \(id)\n"), deleted)

        // load from stdin, as `docker load < saved.tar`.
        let (loadStatus, loaded, loadError) = try berth("load", input: try Data(contentsOf: URL(fileURLWithPath: archive)))
        XCTAssertEqual(loadStatus, 0, loadError)
        XCTAssertEqual(loaded, "Loaded image: copy:v1\n")
        let (_, history, _) = try berth("history", "copy:v1")
        XCTAssertEqual(history.split(separator: "\n").first.map(String.init)?.split(separator: " ", omittingEmptySubsequences: true),
                       ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"])
        XCTAssertTrue(history.contains(String(id.dropFirst(7).prefix(12))))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp"), [], "the stdin copy is removed")
    }
}
