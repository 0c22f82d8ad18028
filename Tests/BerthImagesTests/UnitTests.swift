@testable import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import Foundation
import XCTest

/// Pieces that need neither root nor a registry.
final class UnitTests: XCTestCase {
    func testChainIDsFollowTheImageSpec() throws {
        let a = try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
        let b = try Digest(parsing: "sha256:" + String(repeating: "b", count: 64))
        let chain = ChainID.chain([a, b])
        XCTAssertEqual(chain[0], a)
        XCTAssertEqual(chain[1], DigestHasher.digest(of: Array("\(a) \(b)".utf8)))
    }

    func testTarNamesAreCleanedAndTraversalRefused() throws {
        XCTAssertEqual(try TarIndex.clean("./blobs//sha256/abc", archive: "t"), "blobs/sha256/abc")
        XCTAssertEqual(try TarIndex.clean("a/../b", archive: "t"), "b")
        XCTAssertThrowsError(try TarIndex.clean("../x", archive: "t"))
        XCTAssertThrowsError(try TarIndex.clean("/etc/passwd", archive: "t"))
    }

    func testTarWriterOutputIsReadByTarIndexAndGNUTar() throws {
        let directory = try makeTempDir(self, "tar")
        let path = directory + "/t.tar"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let writer = TarWriter(fd: fd, path: path)
        try writer.directory("blobs")
        try writer.file("blobs/one", Array("hello".utf8))
        try writer.file("two", size: 3) { emit in try Array("abc".utf8).withUnsafeBytes { try emit($0) } }
        try writer.finish()
        close(fd)
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(reader) }
        let index = try TarIndex(path: path, fd: reader)
        XCTAssertEqual(try index.read(try index.file("blobs/one", what: "t"), fd: reader), Array("hello".utf8))
        XCTAssertEqual(try index.read(try index.file("./two", what: "t"), fd: reader), Array("abc".utf8))
        XCTAssertEqual(try runProgram(["/usr/bin/tar", "-tf", path]).1, "blobs/\nblobs/one\ntwo\n")
    }

    func testNotATarIsAClearError() throws {
        let directory = try makeTempDir(self, "tar")
        let path = directory + "/junk.tar"
        try Data(repeating: 0x41, count: 2048).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        XCTAssertThrowsError(try TarIndex(path: path, fd: fd)) { error in
            XCTAssertTrue("\(error)".contains("not a valid tar archive: bad header checksum at byte 0"), "\(error)")
        }
    }

    func testLookupByNameIDAndPrefixWithoutRoot() throws {
        let service = ImageService(store: try Store(root: try makeTempDir(self, "root")))
        try service.store.metadata.createLease(id: "none")
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let image = try service.record(configBytes: config, config: try JSONDecoder().decode(ImageConfig.self, from: Data(config)),
                                       layers: [], top: nil, names: ["docker.io/library/empty:latest"], lease: "none")
        XCTAssertEqual(try service.image("empty").id, image.id)
        XCTAssertEqual(try service.image(image.id.short).id, image.id)
        XCTAssertEqual(try service.image(image.id.description).id, image.id)
        XCTAssertThrowsError(try service.image("missing")) { XCTAssertEqual(($0 as? BerthError)?.code, .notFound) }
        XCTAssertEqual(try service.images().map(\.RepoTags), [["empty:latest"]])
        XCTAssertEqual(ImageService.date("2024-05-06T07:08:09.123456789Z")?.timeIntervalSince1970, 1_714_979_289)
    }
}
