import XCTest
import Foundation
@testable import BerthBuild
@testable import BerthSystem

/// COPY/ADD planning details the shared table does not cover: ADD URLs and
/// archives, owners, --exclude, chmod validation.
final class CopyPlannerTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-planner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("dir/sub"), withIntermediateDirectories: true)
        try Data("B".utf8).write(to: root.appendingPathComponent("dir/b.txt"))
        try Data("T".utf8).write(to: root.appendingPathComponent("dir/sub/t.tmp"))
        // A gzip stream (an archive ADD unpacks) and a plain file.
        try Data([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]).write(to: root.appendingPathComponent("app.tar.gz"))
        try Data("plain".utf8).write(to: root.appendingPathComponent("notes.txt"))
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: root)
    }

    func plan(_ line: String, workdir: String = "/", owner: Ownership? = nil) throws -> CopyPlan {
        let instruction = try Dockerfile.parse("FROM x\n\(line)\n").stages[0].instructions[0]
        let context = try BuildContext(directory: root.path)
        let planner = CopyPlanner(source: context, isDirectoryInImage: { $0 == "/existing" })
        switch instruction.kind {
        case .copy(let copy): return try planner.plan(copy, isAdd: false, workdir: workdir, owner: owner)
        case .add(let copy): return try planner.plan(copy, isAdd: true, workdir: workdir, owner: owner)
        default: throw BerthError.internalError("not COPY/ADD")
        }
    }

    func testAddUnpacksLocalArchivesButCopyDoesNot() throws {
        XCTAssertEqual(try plan("ADD app.tar.gz /opt/").entries.map(\.kind), [.extract(source: "app.tar.gz")])
        XCTAssertEqual(try plan("ADD app.tar.gz /opt/").entries.first?.destination, "/opt")
        XCTAssertEqual(try plan("COPY app.tar.gz /opt/").summary, ["/opt/app.tar.gz": "app.tar.gz"])
        XCTAssertEqual(try plan("ADD notes.txt /opt/").summary, ["/opt/notes.txt": "notes.txt"])
    }

    func testAddURLs() throws {
        let remote = try plan("ADD --checksum=sha256:0123 https://example.com/dl/tool.tgz?x=1 /usr/local/bin/").remote
        XCTAssertEqual(remote, [RemoteSource(url: "https://example.com/dl/tool.tgz?x=1", destination: "/usr/local/bin/tool.tgz",
                                             checksum: "sha256:0123", mode: 0o600, owner: nil)])
        XCTAssertEqual(try plan("ADD https://example.com/x /named").remote.first?.destination, "/named")
        XCTAssertThrowsError(try plan("ADD https://example.com/ /dir/")) { error in
            XCTAssertEqual((error as? BerthError)?.message, "ADD failed: cannot determine filename for source https://example.com/")
        }
        XCTAssertThrowsError(try plan("ADD https://github.com/moby/moby.git /src")) { error in
            XCTAssertEqual((error as? BerthError)?.code, .notImplemented)
        }
    }

    func testOwnerAndChmodApplyToEveryEntry() throws {
        let owner = Ownership(uid: 1000, gid: 100)
        let entries = try plan("COPY --chmod=0700 dir /d", owner: owner).entries
        XCTAssertEqual(entries.map(\.destination), ["/d", "/d/b.txt", "/d/sub", "/d/sub/t.tmp"])
        XCTAssertTrue(entries.allSatisfy { $0.owner == owner && $0.mode == 0o700 })
        XCTAssertThrowsError(try plan("COPY --chmod=u+x dir /d")) { error in
            XCTAssertEqual((error as? BerthError)?.message,
                           "invalid chmod parameter: 'u+x'. it should be octal string and between 0 and 07777")
        }
    }

    func testExcludeSkipsPathsInsideCopiedDirectories() throws {
        XCTAssertEqual(try plan("COPY --exclude=**/*.tmp dir /d").summary,
                       ["/d": "dir/", "/d/b.txt": "dir/b.txt", "/d/sub": "dir/"])
    }

    func testExistingImageDirectoryReceivesTheFile() throws {
        XCTAssertEqual(try plan("COPY notes.txt /existing").summary, ["/existing/notes.txt": "notes.txt"])
        XCTAssertEqual(try plan("COPY notes.txt /missing").summary, ["/missing": "notes.txt"])
    }

    func testChownResolutionWithPasswdAndGroup() throws {
        let passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"
        let group = "root:x:0:\nstaff:x:50:\n"
        XCTAssertEqual(try Ownership.resolve(chown: "app", passwd: passwd, group: group), Ownership(uid: 1000, gid: 1001))
        XCTAssertEqual(try Ownership.resolve(chown: "app:staff", passwd: passwd, group: group), Ownership(uid: 1000, gid: 50))
        XCTAssertEqual(try Ownership.resolve(chown: "42", passwd: nil, group: nil), Ownership(uid: 42, gid: 42))
        XCTAssertEqual(try Ownership.resolve(chown: "42:7", passwd: nil, group: nil), Ownership(uid: 42, gid: 7))
        XCTAssertThrowsError(try Ownership.resolve(chown: "ghost", passwd: passwd, group: group)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "unable to find user ghost: no matching entries in passwd file")
        }
        XCTAssertThrowsError(try Ownership.resolve(chown: "app:ghosts", passwd: passwd, group: group)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "unable to find group ghosts: no matching entries in group file")
        }
    }
}
