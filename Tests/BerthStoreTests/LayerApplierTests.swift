import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem
import CArchive

final class LayerApplierTests: XCTestCase {
    func lstatOf(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    func xattr(_ path: String, _ name: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = lgetxattr(path, name, &buffer, buffer.count)
        return count < 0 ? nil : Array(buffer[0..<count])
    }

    // A v2 file capability: cap_net_bind_service (bit 10) permitted+effective.
    let capability = "0100000200040000000000000000000000000000"

    func testAppliesEveryEntryKindWithOwnershipModesXattrsAndTimes() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let root = work + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        var setuid = TarEntry.file("usr/bin/tool", "#!/bin/sh\n", mode: 0o4755)
        setuid.uid = 1000; setuid.gid = 1001; setuid.mtime = 1_500_000_000
        setuid.xattrs = ["security.capability": capability, "user.note": "6869"]
        var dir = TarEntry.dir("usr/share", mode: 0o750)
        dir.mtime = 1_400_000_000; dir.uid = 7
        var char = TarEntry(name: "dev/null", type: "char", mode: 0o666, devmajor: 1, devminor: 3)
        char.uid = 0
        let entries: [TarEntry] = [
            .dir("usr"), .dir("usr/bin"), setuid, dir, .file("usr/share/doc", "docs"),
            .symlink("usr/bin/sh", to: "/bin/busybox"), .link("usr/bin/tool2", to: "usr/bin/tool"),
            .dir("dev"), char, TarEntry(name: "dev/loop0", type: "block", mode: 0o660, devmajor: 7, devminor: 0),
            TarEntry(name: "run/fifo", type: "fifo", mode: 0o600),
        ]
        let tarPath = try LayerFixtures.tar(entries, in: work, compression: .gzip)
        let result = try applyThroughPipe(tarPath, into: root)

        XCTAssertEqual(result.compression, .gzip)
        XCTAssertEqual(result.compressedDigest, try LayerFixtures.digest(ofFile: tarPath))
        XCTAssertEqual(result.diffID, try LayerFixtures.digest(ofFile: work + "/layer.tar"))
        XCTAssertEqual(result.tarSize, Int64(try Data(contentsOf: URL(fileURLWithPath: work + "/layer.tar")).count))
        XCTAssertEqual(result.unpackedSize, 10 + 4)

        let tool = try XCTUnwrap(lstatOf(root + "/usr/bin/tool"))
        XCTAssertEqual(tool.st_mode & 0o7777, 0o4755, "setuid survives chown")
        XCTAssertEqual(tool.st_uid, 1000)
        XCTAssertEqual(tool.st_gid, 1001)
        XCTAssertEqual(tool.st_mtim.tv_sec, 1_500_000_000)
        XCTAssertEqual(xattr(root + "/usr/bin/tool", "security.capability").map { $0.map { String(format: "%02x", $0) }.joined() }, capability)
        XCTAssertEqual(xattr(root + "/usr/bin/tool", "user.note"), Array("hi".utf8))
        XCTAssertEqual(try String(contentsOfFile: root + "/usr/bin/tool", encoding: .utf8), "#!/bin/sh\n")
        XCTAssertEqual(lstatOf(root + "/usr/bin/tool2")?.st_ino, tool.st_ino, "hard link shares the inode")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/usr/bin/sh"), "/bin/busybox")

        let share = try XCTUnwrap(lstatOf(root + "/usr/share"))
        XCTAssertEqual(share.st_mode & 0o7777, 0o750)
        XCTAssertEqual(share.st_uid, 7)
        XCTAssertEqual(share.st_mtim.tv_sec, 1_400_000_000, "directory mtime is set after its children")

        let null = try XCTUnwrap(lstatOf(root + "/dev/null"))
        XCTAssertEqual(null.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(berth_store_major_swift(null.st_rdev), 1)
        XCTAssertEqual(berth_store_minor_swift(null.st_rdev), 3)
        XCTAssertEqual(lstatOf(root + "/dev/loop0").map { $0.st_mode & S_IFMT }, S_IFBLK)
        XCTAssertEqual(lstatOf(root + "/run/fifo").map { $0.st_mode & S_IFMT }, S_IFIFO)
        XCTAssertEqual(lstatOf(root + "/run").map { $0.st_mode & 0o777 }, 0o755, "implicit parents are created 0755")
    }

    func testDetectsCompressionAndComputesBothDigests() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let entries: [TarEntry] = [.dir("a"), .file("a/b", String(repeating: "data ", count: 50_000))]
        var diffIDs: Set<Digest> = []
        for compression in [LayerCompression.none, .gzip, .zstd] {
            let root = work + "/root-\(compression)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
            let path = try LayerFixtures.tar(entries, in: work, name: "l.tar", compression: compression)
            let result = try applyThroughPipe(path, into: root)
            XCTAssertEqual(result.compression, compression)
            XCTAssertEqual(result.compressedDigest, try LayerFixtures.digest(ofFile: path))
            XCTAssertEqual(try String(contentsOfFile: root + "/a/b", encoding: .utf8).count, 250_000)
            diffIDs.insert(result.diffID)
        }
        XCTAssertEqual(diffIDs, [try LayerFixtures.digest(ofFile: work + "/l.tar")], "one diffID whatever the compression")
    }

    func testCorruptAndTruncatedInputsAreClearErrors() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let path = try LayerFixtures.tar([.file("big", String(repeating: "x", count: 100_000))], in: work, compression: .gzip)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: work + "/truncated.gz"))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: work + "/corrupt.gz"))
        try Data("this is not a tar file at all, not even close".utf8 + [UInt8](repeating: 1, count: 600)).write(to: URL(fileURLWithPath: work + "/junk"))
        for (name, message) in [("truncated.gz", "truncated"), ("corrupt.gz", "corrupt"), ("junk", "invalid tar")] {
            let root = work + "/r-" + name
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
            assertBerthError(.invalidArgument, contains: message) { _ = try applyThroughPipe(work + "/" + name, into: root) }
        }
    }

    func testSizeLimitIsResourceExhausted() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let root = work + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        var big = TarEntry.file("big")
        big.size = 3 << 20
        let path = try LayerFixtures.tar([big], in: work, compression: .gzip)
        assertBerthError(.resourceExhausted, contains: "larger than the limit of 1048576 bytes") {
            _ = try applyThroughPipe(path, into: root, applier: LayerApplier(sizeLimit: 1 << 20))
        }
    }

    func testFullDiskIsResourceExhaustedNamingTheEntry() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let root = work + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        guard mount("tmpfs", root, "tmpfs", 0, "size=1m") == 0 else { throw XCTSkip("cannot mount tmpfs: errno \(errno)") }
        defer { umount2(root, 0) }
        var big = TarEntry.file("fill/big")
        big.size = 4 << 20
        let path = try LayerFixtures.tar([.dir("fill"), big], in: work, compression: .gzip)
        assertBerthError(.resourceExhausted, contains: "entry \"fill/big\"") { _ = try applyThroughPipe(path, into: root) }
    }

    func testLaterEntriesReplaceEarlierOnesWithoutFollowingThem() throws {
        try requireRoot()
        let work = try makeTempDir(self, "apply")
        let root = work + "/root", outside = work + "/outside"
        for path in [root, outside] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        // A symlink pointing out, then a regular file of the same name:
        // the file replaces the link, nothing is written through it.
        let path = try LayerFixtures.tar([
            .symlink("f", to: outside + "/target"), .file("f", "inside"),
            .file("g", "old"), .file("g", "new"),
        ], in: work)
        _ = try applyThroughPipe(path, into: root)
        XCTAssertEqual(try String(contentsOfFile: root + "/f", encoding: .utf8), "inside")
        XCTAssertEqual(try String(contentsOfFile: root + "/g", encoding: .utf8), "new")
        XCTAssertEqual(try directoryEntries(outside), [])
    }
}

func berth_store_major_swift(_ dev: dev_t) -> UInt32 { UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~0xfff) }
func berth_store_minor_swift(_ dev: dev_t) -> UInt32 { UInt32(dev & 0xff) | UInt32((dev >> 12) & ~0xff) }
