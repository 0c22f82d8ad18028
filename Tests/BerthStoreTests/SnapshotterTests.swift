import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthSystem

final class SnapshotterTests: XCTestCase {
    func makeSnapshotter() throws -> Snapshotter {
        let root = try makeTempDir(self, "snap")
        return try Snapshotter(root: root + "/snapshots", metadata: try Metadata(path: root + "/metadata.db"))
    }

    func write(_ text: String, to path: String) {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    }

    func testMountShapesFollowContainerd() throws {
        let snapshots = try makeSnapshotter()
        let base = try snapshots.prepare("base-active")
        XCTAssertEqual(base.count, 1)
        XCTAssertEqual(base[0].type, "bind")
        XCTAssertEqual(base[0].options, ["rbind", "rw"])
        XCTAssertTrue(base[0].source.hasSuffix("/fs"))
        try snapshots.commit(name: "base", key: "base-active")
        assertBerthError(.notFound, contains: "snapshot base-active not found") { _ = try snapshots.mounts("base-active") }

        let single = try snapshots.view("v1", parent: "base")
        XCTAssertEqual(single[0].type, "bind")
        XCTAssertEqual(single[0].options, ["rbind", "ro"])
        // The ro bind goes through the short link to base's directory.
        XCTAssertEqual(URL(fileURLWithPath: single[0].source).resolvingSymlinksInPath().path, try snapshots.directory("base"))

        let child = try snapshots.prepare("child-active", parent: "base")
        XCTAssertEqual(child[0].type, "overlay")
        XCTAssertEqual(child[0].lowerDirectories, [single[0].source])
        XCTAssertEqual(child[0].upperDirectory, try snapshots.directory("child-active"))
        XCTAssertTrue(child[0].options.contains { $0.hasPrefix("workdir=") })
        try snapshots.commit(name: "child", key: "child-active")

        let view = try snapshots.view("v2", parent: "child")
        XCTAssertEqual(view[0].type, "overlay")
        XCTAssertEqual(view[0].lowerDirectories.count, 2)
        XCTAssertNil(view[0].upperDirectory)
        XCTAssertEqual(try snapshots.mounts("v2"), view)
        XCTAssertEqual(try snapshots.list().map(\.key), ["base", "v1", "child", "v2"])
        XCTAssertEqual(try snapshots.stat("child").parent, "base")
        XCTAssertEqual(try snapshots.stat("child").kind, .committed)
    }

    func testRulesOnParentsChildrenAndKinds() throws {
        let snapshots = try makeSnapshotter()
        _ = try snapshots.prepare("a-active")
        assertBerthError(.invalidArgument, contains: "parent snapshot a-active is active, not committed") {
            _ = try snapshots.prepare("b", parent: "a-active")
        }
        assertBerthError(.notFound, contains: "snapshot nope not found") { _ = try snapshots.prepare("b", parent: "nope") }
        try snapshots.commit(name: "a", key: "a-active")
        assertBerthError(.invalidArgument, contains: "only an active snapshot can be committed") { try snapshots.commit(name: "x", key: "a") }
        assertBerthError(.invalidArgument, contains: "create a view or prepare a child") { _ = try snapshots.mounts("a") }
        _ = try snapshots.view("v", parent: "a")
        assertBerthError(.conflict, contains: "snapshot a has children: v") { try snapshots.remove("a") }
        assertBerthError(.conflict, contains: "snapshot v already exists") { _ = try snapshots.prepare("v") }
        let directory = try snapshots.directory("a")
        try snapshots.remove("v")
        try snapshots.remove("a")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
        XCTAssertEqual(try directoryEntries(snapshots.root + "/l"), [], "links are removed with their snapshot")
        XCTAssertEqual(try directoryEntries(snapshots.root), ["l"])
    }

    func testUsageCountsOwnLayerOnceForHardLinks() throws {
        let snapshots = try makeSnapshotter()
        _ = try snapshots.prepare("u")
        let fs = try snapshots.directory("u")
        write(String(repeating: "x", count: 1000), to: fs + "/a")
        XCTAssertEqual(link(fs + "/a", fs + "/b"), 0)
        try FileManager.default.createDirectory(atPath: fs + "/d", withIntermediateDirectories: false)
        let usage = try snapshots.usage("u")
        XCTAssertEqual(usage.size, 1000)
        XCTAssertEqual(usage.inodes, 3) // fs, a(=b), d
    }

    func testLinksAreShortAndPointAtTheLayer() throws {
        let snapshots = try makeSnapshotter()
        _ = try snapshots.prepare("k")
        let links = try directoryEntries(snapshots.root + "/l")
        XCTAssertEqual(links.count, 1)
        XCTAssertEqual(links[0].count, 26)
        XCTAssertEqual(URL(fileURLWithPath: snapshots.root + "/l/" + links[0]).resolvingSymlinksInPath().path, try snapshots.directory("k"))
    }

    /// 120 layers: absolute lowerdirs would not fit in a page; the short
    /// links made relative by Mounter do, and the kernel mounts them.
    func testA120LayerChainMounts() throws {
        try requireRoot()
        let snapshots = try makeSnapshotter()
        var parent: String?
        for index in 0..<120 {
            _ = try snapshots.prepare("layer-\(index)-active", parent: parent)
            write("\(index)", to: try snapshots.directory("layer-\(index)-active") + "/file-\(index)")
            write("\(index)", to: try snapshots.directory("layer-\(index)-active") + "/top")
            try snapshots.commit(name: "layer-\(index)", key: "layer-\(index)-active")
            parent = "layer-\(index)"
        }
        let mounts = try snapshots.prepare("container", parent: parent)
        XCTAssertEqual(mounts[0].lowerDirectories.count, 120)
        XCTAssertGreaterThan(mounts[0].options.joined(separator: ",").utf8.count, 4096, "the test must exceed one page")

        let target = try makeTempDir(self, "mnt")
        try Mounter.mount(mounts, at: target)
        defer { try? Mounter.unmount(target) }
        XCTAssertEqual(try String(contentsOfFile: target + "/file-0", encoding: .utf8), "0")
        XCTAssertEqual(try String(contentsOfFile: target + "/file-119", encoding: .utf8), "119")
        XCTAssertEqual(try String(contentsOfFile: target + "/top", encoding: .utf8), "119", "the nearest layer wins")
        write("new", to: target + "/written")
        try Mounter.unmount(target)
        XCTAssertEqual(try String(contentsOfFile: try snapshots.directory("container") + "/written", encoding: .utf8), "new")
        // The daemon's own cwd was never changed.
        XCTAssertNotEqual(FileManager.default.currentDirectoryPath, snapshots.root)
    }

    func testReadOnlyViewRefusesWrites() throws {
        try requireRoot()
        let snapshots = try makeSnapshotter()
        _ = try snapshots.prepare("a-active")
        write("a", to: try snapshots.directory("a-active") + "/a")
        try snapshots.commit(name: "a", key: "a-active")
        let target = try makeTempDir(self, "mnt")
        try Mounter.mount(try snapshots.view("v", parent: "a"), at: target)
        defer { try? Mounter.unmount(target) }
        XCTAssertEqual(try String(contentsOfFile: target + "/a", encoding: .utf8), "a")
        XCTAssertEqual(open(target + "/b", O_CREAT | O_WRONLY, 0o644), -1)
        XCTAssertEqual(errno, EROFS)
        // A mounted snapshot is not deleted through its mount.
        try Mounter.unmount(target)
        try snapshots.remove("v")
    }
}
