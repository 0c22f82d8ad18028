import XCTest
import Foundation
@testable import BerthBuild
@testable import BerthSystem

/// One entry of Cases/copy-cases.json: a build context, a Dockerfile and the
/// files the image must end up with. The table is shared: here it checks the
/// COPY plan; the executor's end-to-end tests run the same cases for real.
struct CopyCase: Decodable {
    var name: String
    /// Context files: relative path → content.
    var files: [String: String]
    var dockerfile: String
    var symlinks: [String: String]?
    /// Empty directories to create in the context.
    var dirs: [String]?
    /// Octal permission bits of context files ("755").
    var modes: [String: String]?
    var buildArgs: [String: String]?
    /// Every non-directory path COPY/ADD create: content, or "-> target" for a symlink.
    var expect: [String: String]?
    var expectDirs: [String]?
    var expectModes: [String: String]?
    /// A substring of the error the build must fail with.
    var expectError: String?

    static func load() throws -> [CopyCase] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Cases/copy-cases.json")
        return try JSONDecoder().decode([CopyCase].self, from: Data(contentsOf: url))
    }

    /// Writes the context into a new temporary directory.
    func makeContext() throws -> URL {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("berth-copy-case-\(UUID().uuidString)")
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
            if let mode = modes?[path], let bits = Int(mode, radix: 8) {
                try fm.setAttributes([.posixPermissions: bits], ofItemAtPath: url.path)
            }
        }
        for dir in dirs ?? [] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        for (path, target) in symlinks ?? [:] {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }
}

/// The image a sequence of COPY plans builds, without any container.
struct SimulatedImage {
    var files: [String: String] = [:]
    var dirs: Set<String> = ["/"]
    var modes: [String: UInt32] = [:]

    mutating func makeDirectory(_ path: String) {
        var current = path
        while current != "/" && !current.isEmpty {
            dirs.insert(current)
            current = ContextPath.parent(current)
        }
    }

    mutating func apply(_ plan: CopyPlan, from context: BuildContext) throws {
        for entry in plan.entries {
            makeDirectory(ContextPath.parent(entry.destination))
            modes[entry.destination] = entry.mode
            switch entry.kind {
            case .directory: makeDirectory(entry.destination)
            case .file(let source): files[entry.destination] = String(decoding: try context.contents(of: source), as: UTF8.self)
            case .inline(let content): files[entry.destination] = content
            case .symlink(let target): files[entry.destination] = "-> " + target
            case .extract(let source): files[entry.destination] = "extract " + source
            }
        }
    }
}

final class CopyCaseTests: XCTestCase {
    /// Plans every COPY/ADD of the target stage and checks the resulting files.
    func run(_ testCase: CopyCase) throws -> SimulatedImage {
        let root = try testCase.makeContext()
        defer { try? FileManager.default.removeItem(at: root) }
        let context = try BuildContext(directory: root.path)
        let dockerfile = try Dockerfile.parse(testCase.dockerfile)
        let plan = try BuildPlan(dockerfile: dockerfile, options: BuildOptions(buildArgs: testCase.buildArgs ?? [:]))
        let stage = try XCTUnwrap(plan.stage(plan.target)).stage
        var image = SimulatedImage()
        for step in try plan.expander.expand(stage, base: StageState()).steps {
            switch step.instruction.kind {
            case .workdir(let path):
                image.makeDirectory(path)
            case .copy(let copy), .add(let copy):
                let planner = CopyPlanner(source: context, isDirectoryInImage: { [image] in image.dirs.contains($0) })
                let isAdd: Bool = if case .add = step.instruction.kind { true } else { false }
                try image.apply(try planner.plan(copy, isAdd: isAdd, workdir: step.state.workdir), from: context)
            default:
                break
            }
        }
        return image
    }

    func testCopyCaseTable() throws {
        let cases = try CopyCase.load()
        XCTAssertGreaterThan(cases.count, 40)
        for testCase in cases {
            do {
                let image = try run(testCase)
                if let expected = testCase.expectError {
                    XCTFail("\(testCase.name): expected error containing \"\(expected)\", got files \(image.files)")
                    continue
                }
                XCTAssertEqual(image.files, testCase.expect ?? [:], testCase.name)
                for dir in testCase.expectDirs ?? [] {
                    XCTAssertTrue(image.dirs.contains(dir), "\(testCase.name): directory \(dir) missing")
                }
                for (path, mode) in testCase.expectModes ?? [:] {
                    XCTAssertEqual(image.modes[path].map { String($0, radix: 8) }, mode, "\(testCase.name): mode of \(path)")
                }
            } catch {
                guard let expected = testCase.expectError else {
                    XCTFail("\(testCase.name): unexpected error \(error)")
                    continue
                }
                XCTAssertTrue("\(error)".contains(expected), "\(testCase.name): error \"\(error)\" lacks \"\(expected)\"")
            }
        }
    }
}
