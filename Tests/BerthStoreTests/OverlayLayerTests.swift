import XCTest
import Foundation
import Glibc
import CArchive
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem

/// Layers applied into snapshots and looked at through real overlay mounts.
final class OverlayLayerTests: XCTestCase {
    var snapshots: Snapshotter!
    var work = ""

    override func setUpWithError() throws {
        try requireRoot()
        work = try makeTempDir(self, "overlay")
        snapshots = try Snapshotter(root: work + "/snapshots", metadata: try Metadata(path: work + "/metadata.db"))
    }

    /// Prepares `key`, applies `tar` into it and commits it as `name`.
    @discardableResult
    func layer(_ name: String, parent: String?, tar: String) throws -> ApplyResult {
        _ = try snapshots.prepare(name + "-active", parent: parent)
        let result = try applyThroughPipe(tar, into: try snapshots.directory(name + "-active"))
        try snapshots.commit(name: name, key: name + "-active")
        return result
    }

    func mounted<T>(_ mounts: [Mount], _ body: (String) throws -> T) throws -> T {
        let target = try makeTempDir(self, "mnt")
        try Mounter.mount(mounts, at: target)
        defer { try? Mounter.unmount(target) }
        return try body(target)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    func testWhiteoutsAndOpaqueDirectoriesHideLowerFilesOnARealMount() throws {
        try layer("base", parent: nil, tar: try LayerFixtures.tar([
            .dir("a"), .file("a/keep", "k"), .file("a/gone", "g"), .dir("d"), .file("d/old", "o"), .dir("d/sub"),
        ], in: work, name: "base.tar"))
        try layer("top", parent: "base", tar: try LayerFixtures.tar([
            .dir("a"), .file("a/.wh.gone"), .dir("d"), .file("d/.wh..wh..opq"), .file("d/new", "n"),
        ], in: work, name: "top.tar", compression: .gzip))

        // In the layer's own directory: overlay's on-disk forms.
        let top = try snapshots.directory("top")
        var info = stat()
        XCTAssertEqual(lstat(top + "/a/gone", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(info.st_rdev, 0)
        var value = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(lgetxattr(top + "/d", "trusted.overlay.opaque", &value, 8), 1)
        XCTAssertEqual(value[0], UInt8(ascii: "y"))
        XCTAssertFalse(exists(top + "/a/.wh.gone"))

        try mounted(try snapshots.view("look", parent: "top")) { root in
            XCTAssertTrue(exists(root + "/a/keep"))
            XCTAssertFalse(exists(root + "/a/gone"), "whiteout hides the lower file")
            XCTAssertEqual(try directoryEntries(root + "/d"), ["new"], "opaque directory hides the lower contents")
        }
        // And in a writable container on top.
        try mounted(try snapshots.prepare("container", parent: "top")) { root in
            XCTAssertFalse(exists(root + "/a/gone"))
            XCTAssertEqual(try directoryEntries(root + "/d"), ["new"])
        }
    }

    func testDiffRoundTripGivesTheSameTreeAndDiffID() throws {
        var tool = TarEntry.file("bin/tool", "#!/bin/sh\necho hi\n", mode: 0o755)
        tool.mtime = 1_600_000_123
        try layer("base", parent: nil, tar: try LayerFixtures.tar([
            .dir("etc"), .file("etc/config", "v1"), .file("etc/remove-me", "x"),
            .dir("data"), .dir("data/dir"), .file("data/dir/a", "a"), .file("data/dir/b", "b"),
            .dir("bin"), tool, .dir("lib"), .file("lib/keep", "k"),
        ], in: work, name: "base.tar"))

        // A container changes things through its overlay mount.
        try mounted(try snapshots.prepare("changed-active", parent: "base")) { root in
            try "v2".write(toFile: root + "/etc/config", atomically: false, encoding: .utf8)
            XCTAssertEqual(unlink(root + "/etc/remove-me"), 0)
            try FileManager.default.removeItem(atPath: root + "/data/dir")
            XCTAssertEqual(mkdir(root + "/data/dir", 0o700), 0)
            try "c".write(toFile: root + "/data/dir/c", atomically: false, encoding: .utf8)
            XCTAssertEqual(chmod(root + "/bin/tool", 0o4755), 0)
            XCTAssertEqual(chown(root + "/lib/keep", 1000, 1001), 0)
            XCTAssertEqual(symlink("config", root + "/etc/link"), 0)
            XCTAssertEqual(mkdir(root + "/new", 0o755), 0)
            try String(repeating: "h", count: 100_000).write(toFile: root + "/new/h1", atomically: false, encoding: .utf8)
            XCTAssertEqual(link(root + "/new/h1", root + "/new/h2"), 0)
            XCTAssertEqual(setxattr(root + "/new/h1", "user.origin", "test", 4, 0), 0)
            XCTAssertEqual(mkfifo(root + "/new/fifo", 0o640), 0)
        }
        let changedUpper = try snapshots.directory("changed-active")
        let diffPath = work + "/diff.tar.gz"
        let out = open(diffPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let diff = try Differ().diff(upper: changedUpper, to: out, compression: .gzip)
        close(out)
        XCTAssertEqual(diff.digest, try LayerFixtures.digest(ofFile: diffPath))
        XCTAssertEqual(diff.size, Int64(try Data(contentsOf: URL(fileURLWithPath: diffPath)).count))
        XCTAssertNotEqual(diff.digest, diff.diffID)
        try snapshots.commit(name: "changed", key: "changed-active")

        // The diff applied into a fresh snapshot on the same base…
        let applied = try layer("replayed", parent: "base", tar: diffPath)
        XCTAssertEqual(applied.diffID, diff.diffID, "the applier hashes the same tar the differ wrote")
        XCTAssertEqual(applied.compressedDigest, diff.digest)

        // …shows the same tree as the container did.
        let original = try mounted(try snapshots.view("v1", parent: "changed"), tree)
        let replayed = try mounted(try snapshots.view("v2", parent: "replayed"), tree)
        XCTAssertEqual(original, replayed)
        XCTAssertNil(replayed["etc/remove-me"])
        XCTAssertEqual(replayed.keys.filter { $0.hasPrefix("data/dir/") }.sorted(), ["data/dir/c"])
        XCTAssertTrue(replayed["bin/tool"]?.contains("mode 4755") ?? false, replayed["bin/tool"] ?? "missing")
        XCTAssertTrue(replayed["new/h1"]?.contains("user.origin=test") ?? false)
        XCTAssertEqual(replayed["new/h1"]?.components(separatedBy: " ino ").last, replayed["new/h2"]?.components(separatedBy: " ino ").last)

        // Diffing the replayed layer gives the same bytes: the diff is deterministic.
        let againFD = open("/dev/null", O_WRONLY)
        let again = try Differ().diff(upper: try snapshots.directory("replayed"), to: againFD, compression: .none)
        close(againFD)
        XCTAssertEqual(again.diffID, diff.diffID)
    }

    /// path → "type mode uid gid size content-hash mtime target xattrs ino-group".
    func tree(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        var inodes: [UInt64: String] = [:]
        func visit(_ relative: String) throws {
            let path = root + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { throw FixtureError("lstat \(path)") }
            let type = info.st_mode & S_IFMT
            var line = "type \(type >> 12) mode \(String(info.st_mode & 0o7777, radix: 8)) uid \(info.st_uid) gid \(info.st_gid)"
            if type == S_IFREG {
                line += " size \(info.st_size) sha \(DigestHasher.digest(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).short)"
                line += " mtime \(info.st_mtim.tv_sec)"
            }
            if type == S_IFLNK { line += " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: path)) }
            let xattrs = try DiffWalker.xattrs(path: path).filter { !$0.0.hasPrefix("trusted.overlay.") }
            line += xattrs.map { " \($0.0)=\(String(decoding: $0.1, as: UTF8.self))" }.joined()
            if type == S_IFREG && info.st_nlink > 1 {
                let group = inodes[UInt64(info.st_ino)] ?? relative
                inodes[UInt64(info.st_ino)] = group
                line += " ino \(group)"
            }
            result[relative] = line
            if type == S_IFDIR {
                for name in try directoryEntries(path) { try visit(relative.isEmpty ? name : relative + "/" + name) }
            }
        }
        for name in try directoryEntries(root) { try visit(name) }
        return result
    }
}
