import XCTest
import Foundation
@testable import BerthBuild
@testable import BerthSystem
import BerthOCI

/// Cache keys change exactly when the step's result could: parent, expanded
/// instruction, used build-arg values, copied content, mode and owner, never mtime.
final class CacheKeyTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: root.appendingPathComponent("src/a.txt"))
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: root)
    }

    func keys(_ text: String, args: [String: String] = [:], parent: String = "sha256:base") throws -> [String] {
        let plan = try BuildPlan(dockerfile: try Dockerfile.parse(text), options: BuildOptions(buildArgs: args))
        let steps = try plan.expander.expand(plan.stages[0].stage, base: StageState()).steps
        var key = parent
        var result: [String] = []
        for step in steps {
            key = BuildCacheKey.step(parent: key, step).description
            result.append(key)
        }
        return result
    }

    func testKeysChainAndDependOnParentAndText() throws {
        let a = try keys("FROM x\nRUN echo a\nRUN echo b\n")
        XCTAssertEqual(a, try keys("FROM x\nRUN echo a\nRUN echo b\n"), "deterministic")
        XCTAssertNotEqual(a[0], a[1])
        let changedFirst = try keys("FROM x\nRUN echo A\nRUN echo b\n")
        XCTAssertNotEqual(a[1], changedFirst[1], "a change invalidates every later step")
        XCTAssertNotEqual(a[0], try keys("FROM x\nRUN echo a\n", parent: "sha256:other")[0])
        XCTAssertNotEqual(try keys("FROM x\nRUN [\"echo\", \"a\"]\n")[0], try keys("FROM x\nRUN echo a\n")[0],
                          "exec and shell form differ")
    }

    func testBuildArgsEnterRunKeysOnlyWhenDeclared() throws {
        let text = "FROM x\nARG V=1\nRUN make\n"
        XCTAssertEqual(try keys(text)[1], try keys(text, args: ["V": "1"])[1])
        XCTAssertNotEqual(try keys(text)[1], try keys(text, args: ["V": "2"])[1], "RUN sees ARG values as env")
        let undeclared = "FROM x\nRUN make\n"
        XCTAssertEqual(try keys(undeclared)[0], try keys(undeclared, args: ["V": "2"])[0])
        XCTAssertEqual(try keys(undeclared)[0], try keys(undeclared, args: ["HTTP_PROXY": "http://p"])[0],
                       "proxy args do not bust the cache")
    }

    func testExpansionValueEntersTheKey() throws {
        let text = "FROM x\nARG D=/a\nWORKDIR $D\n"
        XCTAssertNotEqual(try keys(text)[1], try keys(text, args: ["D": "/b"])[1])
    }

    func plan(_ copy: String, context: BuildContext, owner: Ownership? = nil) throws -> CopyPlan {
        let file = try Dockerfile.parse("FROM x\n\(copy)\n")
        guard case .copy(let c) = file.stages[0].instructions[0].kind else { throw BerthError.internalError("no copy") }
        return try CopyPlanner(source: context, isDirectoryInImage: { _ in false })
            .plan(c, isAdd: false, workdir: "/", owner: owner)
    }

    func checksum(_ copy: String = "COPY src /dst", owner: Ownership? = nil) throws -> Digest {
        let context = try BuildContext(directory: root.path)
        return try plan(copy, context: context, owner: owner).checksum(reading: context)
    }

    func testCopyChecksumCoversContentModeOwnerPathButNotMtime() throws {
        let original = try checksum()
        let file = root.appendingPathComponent("src/a.txt")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1000)], ofItemAtPath: file.path)
        XCTAssertEqual(try checksum(), original, "mtime does not matter")

        XCTAssertNotEqual(try checksum("COPY src /other"), original, "destination path matters")
        XCTAssertNotEqual(try checksum(owner: Ownership(uid: 1000, gid: 1000)), original, "owner matters")
        XCTAssertNotEqual(try checksum("COPY --chmod=600 src /dst"), original, "mode matters")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let modeChanged = try checksum()
        XCTAssertNotEqual(modeChanged, original, "the source file's mode matters")

        try Data("hellO".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        XCTAssertNotEqual(try checksum(), modeChanged, "content matters")
    }

    func testContentDigestEntersTheStepKey() throws {
        let a = BuildCacheKey.step(parent: "p", cacheText: "COPY", usedArgs: [], contentDigest: try checksum())
        try Data("changed".utf8).write(to: root.appendingPathComponent("src/a.txt"))
        let b = BuildCacheKey.step(parent: "p", cacheText: "COPY", usedArgs: [], contentDigest: try checksum())
        XCTAssertNotEqual(a, b)
    }
}
