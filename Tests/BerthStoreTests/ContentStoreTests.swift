import XCTest
import Foundation
import Glibc
@testable import BerthStore
@testable import BerthOCI
@testable import BerthSystem

final class ContentStoreTests: XCTestCase {
    func blob(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    func testIngestVerifiesAndCommitsDurablyNamedByDigest() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let bytes = blob(300_000)
        let digest = DigestHasher.digest(of: bytes)
        let writer = try store.writer(ref: "layer-1", expected: digest, size: Int64(bytes.count))
        XCTAssertEqual(writer.offset, 0)
        try writer.write(bytes[0..<100_000])
        try writer.write(bytes[100_000...])
        try writer.commit()

        XCTAssertEqual(try store.info(digest).size, 300_000)
        XCTAssertEqual(try store.read(digest), bytes)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(store.root)/blobs/sha256/\(digest.hex)"))
        XCTAssertEqual(try store.ingests(), [], "the ingest directory is gone after commit")
        XCTAssertEqual(try store.list().map(\.digest), [digest])
        // Committed blobs are read-only, like containerd's.
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: store.path(digest))[.posixPermissions] as? Int, 0o444)
        assertBerthError(.conflict, contains: "already exists") {
            _ = try store.writer(ref: "again", expected: digest, size: Int64(bytes.count))
        }
        try store.delete(digest)
        assertBerthError(.notFound, contains: "content \(digest) not found") { _ = try store.info(digest) }
    }

    func testSHA512Digests() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let bytes = blob(1000)
        let digest = DigestHasher.digest(of: bytes, .sha512)
        XCTAssertEqual(digest.hex.count, 128)
        let writer = try store.writer(ref: "x", expected: digest, size: 1000)
        try writer.write(bytes)
        try writer.commit()
        XCTAssertEqual(try store.read(digest), bytes)
    }

    func testDigestMismatchCommitsNothingAndDiscardsTheIngest() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let bytes = blob(4096)
        let digest = DigestHasher.digest(of: bytes)
        var corrupt = bytes
        corrupt[2000] ^= 0xff
        let writer = try store.writer(ref: "bad", expected: digest, size: 4096)
        try writer.write(corrupt)
        assertBerthError(.invalidArgument, contains: "does not match expected \(digest)") { try writer.commit() }
        XCTAssertFalse(store.exists(digest))
        XCTAssertEqual(try store.list(), [])
        XCTAssertEqual(try store.ingests(), [])
    }

    func testSizeMismatchIsRefusedAndShortIngestCanResume() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let bytes = blob(1000)
        let digest = DigestHasher.digest(of: bytes)
        let writer = try store.writer(ref: "short", expected: digest, size: 1000)
        try writer.write(bytes[0..<400])
        assertBerthError(.invalidArgument, contains: "got 400 bytes, expected 1000") { try writer.commit() }
        assertBerthError(.invalidArgument, contains: "1400 bytes exceed the expected size 1000") {
            try writer.write(bytes + [])
        }
        try writer.write(bytes[400...])
        try writer.commit()
        XCTAssertEqual(try store.read(digest), bytes)
    }

    func testAbandonedIngestResumesInANewStoreRehashingPartialBytes() throws {
        let root = try makeTempDir(self)
        let bytes = blob(2_500_000)
        let digest = DigestHasher.digest(of: bytes)
        do {
            let store = try ContentStore(root: root)
            let writer = try store.writer(ref: "resume", expected: digest, size: Int64(bytes.count))
            try writer.write(bytes[0..<1_234_567])
            // Dropped without commit or close: as if the connection died.
        }
        let store = try ContentStore(root: root)
        XCTAssertEqual(try store.ingests(), ["resume"])
        let writer = try store.writer(ref: "resume", expected: digest, size: Int64(bytes.count))
        XCTAssertEqual(writer.offset, 1_234_567, "resume reports the offset to request a Range from")
        try writer.write(bytes[1_234_567...])
        try writer.commit()
        XCTAssertEqual(try store.read(digest), bytes)
    }

    func testResumedPartialThatWasCorruptedOnDiskIsRefusedAtCommit() throws {
        let root = try makeTempDir(self)
        let bytes = blob(10_000)
        let digest = DigestHasher.digest(of: bytes)
        let store = try ContentStore(root: root)
        do {
            let writer = try store.writer(ref: "r", expected: digest, size: 10_000)
            try writer.write(bytes[0..<5000])
            writer.close()
        }
        // Flip a byte of the partial data behind the store's back.
        let fd = open("\(root)/ingest/r/data", O_WRONLY)
        var flipped: UInt8 = bytes[10] ^ 1
        XCTAssertEqual(pwrite(fd, &flipped, 1, 10), 1)
        close(fd)
        let writer = try store.writer(ref: "r", expected: digest, size: 10_000)
        XCTAssertEqual(writer.offset, 5000)
        try writer.write(bytes[5000...])
        assertBerthError(.invalidArgument, contains: "does not match") { try writer.commit() }
        XCTAssertFalse(store.exists(digest))
    }

    func testIngestForADifferentBlobUnderTheSameRefStartsOver() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let one = blob(100, seed: 1), two = blob(200, seed: 2)
        let first = try store.writer(ref: "same", expected: DigestHasher.digest(of: one), size: 100)
        try first.write(one[0..<50])
        first.close()
        let second = try store.writer(ref: "same", expected: DigestHasher.digest(of: two), size: 200)
        XCTAssertEqual(second.offset, 0)
        try second.write(two)
        try second.commit()
        XCTAssertEqual(try store.read(DigestHasher.digest(of: two)), two)
    }

    func testTwoWritersOfOneRefConflict() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let bytes = blob(10)
        let writer = try store.writer(ref: "busy", expected: DigestHasher.digest(of: bytes), size: 10)
        assertBerthError(.unavailable, contains: "ingest busy is being written by another writer") {
            _ = try store.writer(ref: "busy", expected: DigestHasher.digest(of: bytes), size: 10)
        }
        writer.close()
        XCTAssertNoThrow(try store.writer(ref: "busy", expected: DigestHasher.digest(of: bytes), size: 10))
    }

    func testBadRefsAreRefused() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let digest = DigestHasher.digest(of: [1])
        for ref in ["", "../x", "a/b", ".hidden"] {
            assertBerthError(.invalidArgument, contains: "invalid ingest ref") { _ = try store.writer(ref: ref, expected: digest, size: 1) }
        }
    }

    func testOpenReadsAtOffsets() throws {
        let store = try ContentStore(root: try makeTempDir(self))
        let descriptor = try store.write(Array("hello, world".utf8), mediaType: MediaType.ociConfig)
        let reader = try store.open(descriptor.digest)
        XCTAssertEqual(reader.size, 12)
        var buffer = [UInt8](repeating: 0, count: 5)
        let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0, at: 7) }
        XCTAssertEqual(String(decoding: buffer[0..<count], as: UTF8.self), "world")
    }
}
