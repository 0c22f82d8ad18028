import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthSystem

/// Each hostile layer is applied into work/root next to work/sentinel (which
/// holds one file). The apply must fail naming the entry, and afterwards
/// nothing outside root may have changed: the sentinel still holds exactly
/// its file with its content, and work holds nothing new.
final class HostileLayerTests: XCTestCase {
    func check(_ name: String, _ entries: (String) -> [TarEntry], refusedWith message: String,
               file: StaticString = #filePath, line: UInt = #line) throws {
        try requireRoot()
        let work = try makeTempDir(self, "hostile")
        let root = work + "/root", sentinel = work + "/sentinel"
        for path in [root, sentinel] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        try "secret".write(toFile: sentinel + "/secret", atomically: false, encoding: .utf8)
        let tarPath = try LayerFixtures.tar(entries(sentinel), in: work, name: "evil.tar")
        let before = try directoryEntries(work)

        assertBerthError(.invalidArgument, contains: message, file: file, line: line) {
            _ = try applyThroughPipe(tarPath, into: root)
        }
        XCTAssertEqual(try directoryEntries(sentinel), ["secret"], "\(name): sentinel changed", file: file, line: line)
        XCTAssertEqual(try String(contentsOfFile: sentinel + "/secret", encoding: .utf8), "secret", file: file, line: line)
        XCTAssertEqual(try directoryEntries(work), before, "\(name): something was written next to root", file: file, line: line)
        var info = stat()
        XCTAssertEqual(stat(sentinel + "/secret", &info), 0)
        XCTAssertEqual(info.st_nlink, 1, "\(name): the sentinel file gained a hard link", file: file, line: line)
    }

    func testDotDotEscape() throws {
        try check("dotdot", { _ in [.file("../sentinel/evil", "x")] },
                  refusedWith: "entry \"../sentinel/evil\": path \"../sentinel/evil\" escapes the layer root")
    }

    func testDotDotEscapeInTheMiddle() throws {
        try check("middle", { _ in [.dir("a"), .file("a/../../sentinel/evil", "x")] }, refusedWith: "escapes the layer root")
    }

    func testAbsolutePath() throws {
        try check("absolute", { sentinel in [.file(sentinel + "/evil", "x")] }, refusedWith: "absolute path")
    }

    func testWritingThroughARelativeSymlinkPlantedEarlier() throws {
        try check("relative symlink", { _ in [.symlink("link", to: "../sentinel"), .file("link/evil", "x")] },
                  refusedWith: "entry \"link/evil\": parent \"link\" is or passes through a symlink")
    }

    func testWritingThroughAnAbsoluteSymlinkPlantedEarlier() throws {
        try check("absolute symlink", { sentinel in [.symlink("link", to: sentinel), .dir("link/sub"), .file("link/sub/evil", "x")] },
                  refusedWith: "entry \"link/sub/\": parent \"link\" is or passes through a symlink")
    }

    func testSymlinkDeeperInThePath() throws {
        try check("deep symlink", { sentinel in [.dir("a"), .symlink("a/b", to: sentinel), .file("a/b/c", "x")] },
                  refusedWith: "parent \"a/b\" is or passes through a symlink")
    }

    func testWhiteoutThroughASymlink() throws {
        try check("whiteout", { sentinel in [.symlink("link", to: sentinel), .file("link/.wh.secret")] },
                  refusedWith: "entry \"link/.wh.secret\": parent \"link\"")
    }

    func testOpaqueMarkerThroughASymlink() throws {
        try check("opaque", { sentinel in [.symlink("link", to: sentinel), .file("link/.wh..wh..opq")] },
                  refusedWith: "parent \"link\"")
    }

    func testHardLinkToAFileOutside() throws {
        try check("hardlink out", { _ in [.link("h", to: "../sentinel/secret")] },
                  refusedWith: "entry \"h\": hard link target \"../sentinel/secret\" escapes the layer root")
    }

    func testHardLinkToAnAbsolutePath() throws {
        try check("hardlink absolute", { sentinel in [.link("h", to: sentinel + "/secret")] },
                  refusedWith: "absolute hard link target")
    }

    func testHardLinkThroughASymlink() throws {
        try check("hardlink via symlink", { _ in [.symlink("s", to: "../sentinel"), .link("h", to: "s/secret")] },
                  refusedWith: "entry \"h\": hard link target \"s/secret\" is not inside the layer")
    }

    func testHardLinkToMissingTarget() throws {
        try check("hardlink missing", { _ in [.link("h", to: "nope")] }, refusedWith: "hard link target \"nope\" does not exist")
    }

    /// A symlink pointing outside is itself fine to create (it is only
    /// followed inside the container); hard-linking it links the symlink.
    func testSymlinksOutAreKeptAsLinksNeverFollowed() throws {
        try requireRoot()
        let work = try makeTempDir(self, "hostile")
        let root = work + "/root", sentinel = work + "/sentinel"
        for path in [root, sentinel] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        try "secret".write(toFile: sentinel + "/secret", atomically: false, encoding: .utf8)
        let path = try LayerFixtures.tar([.symlink("s", to: sentinel + "/secret"), .link("h", to: "s")], in: work)
        _ = try applyThroughPipe(path, into: root)
        var info = stat()
        XCTAssertEqual(lstat(root + "/h", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "the hard link is to the symlink itself")
        XCTAssertEqual(stat(sentinel + "/secret", &info), 0)
        XCTAssertEqual(info.st_nlink, 1)
    }
}
