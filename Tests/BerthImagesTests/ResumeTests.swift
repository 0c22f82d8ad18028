import BerthImages
import BerthOCI
import BerthStore
import BerthTestSupport
import Foundation
import Glibc
import XCTest

/// `berth store-pull` (a pull straight into a store) killed with SIGKILL in the middle of a blob, then pulled
/// again: committed layers are not fetched again, the partial blob is
/// resumed with a Range request, and fsck finds nothing wrong before or after.
final class ResumeTests: XCTestCase {
    func testPullKilledMidBlobResumesWithoutRefetching() async throws {
        try requireRoot()
        try requireRegistry()
        guard FileManager.default.isExecutableFile(atPath: berthExecutable) else {
            throw XCTSkip("\(berthExecutable) is not built (swift build)")
        }
        let registry = try TestRegistry.start(mode: .plain, images: ["big"], accessLog: true)
        defer { registry.stop() }
        let ref = "\(registry.host)/big:latest"

        var attempt = 0
        while true {
            attempt += 1
            let service = try makeService(self, registry: registry)
            let root = service.store.root
            guard let killed = try killMidBlob(root: root, reference: ref) else {
                XCTAssertLessThan(attempt, 4, "the pull finished every time before it could be killed")
                if attempt >= 4 { return }
                continue
            }

            // What the killed pull left is consistent: nothing corrupt or
            // dangling. The one leftover fsck may name is the ingest
            // directory of a blob committed just before the kill (the
            // content store renames the data, then removes the directory).
            var report = try service.store.fsck()
            for ref in report.orphanIngests {
                let hex = String(ref.dropFirst("pull-sha256-".count))
                XCTAssertTrue(service.store.content.exists(try Digest(algorithm: .sha256, hex: hex)), "orphan ingest \(ref)")
            }
            report.orphanIngests = []
            XCTAssertTrue(report.isClean, "\(report)")
            XCTAssertTrue(try service.store.metadata.images().isEmpty)
            let committedBefore = Set(try service.store.content.list().map(\.digest))
            XCTAssertTrue(committedBefore.contains(killed.committedLayer))

            var savedIngests: [String: Int64] = [:]
            let ingest = root + "/content/ingest"
            for ref in try FileManager.default.contentsOfDirectory(atPath: ingest) where ref.hasPrefix("pull-sha256-") {
                let size = (try? FileManager.default.attributesOfItem(atPath: "\(ingest)/\(ref)/data")[.size] as? Int) ?? 0
                savedIngests[String(ref.dropFirst("pull-sha256-".count))] = Int64(size)
            }
            let requestsBefore = try registry.accessLogRequests().count
            let log = ProgressLog()
            let image = try await service.pull(ref, progress: log.handler)
            let requests = try registry.accessLogRequests().dropFirst(requestsBefore).filter { $0.method == "GET" }

            for layer in image.manifest.layers where committedBefore.contains(layer.digest) {
                XCTAssertFalse(requests.contains { $0.path.hasSuffix("/blobs/\(layer.digest)") },
                               "layer \(layer.digest.short) was committed before the kill and must not be fetched again")
            }
            let partial = try XCTUnwrap(image.manifest.layers.first { $0.digest == killed.partialLayer })
            let resumed = requests.filter { $0.path.hasSuffix("/blobs/\(partial.digest)") }
            if killed.partialBytes == partial.size {
                // Killed after the last byte, before the commit: nothing to fetch.
                XCTAssertEqual(resumed.count, 0)
            } else {
                XCTAssertEqual(resumed.count, 1)
                XCTAssertEqual(resumed.first?.status, 206, "the partial blob is resumed with a Range request")
                XCTAssertEqual(resumed.first.map { $0.bytes + killed.partialBytes }, partial.size,
                               "only the bytes the killed pull did not save are sent")
            }
            // Exactly what the killed pull had not saved crossed the network again.
            for layer in image.manifest.layers {
                let saved = committedBefore.contains(layer.digest) ? layer.size : (savedIngests[layer.digest.hex] ?? 0)
                let sent = requests.filter { $0.path.hasSuffix("/blobs/\(layer.digest)") }.reduce(Int64(0)) { $0 + $1.bytes }
                XCTAssertEqual(sent, layer.size - saved, "layer \(layer.digest.short): \(saved) bytes were saved before the kill")
            }
            XCTAssertEqual(image.config.rootfs.diffIDs.count, 5)
            let after = try service.store.fsck()
            XCTAssertTrue(after.isClean, "\(after)")
            XCTAssertTrue(try service.store.metadata.leases().filter { !$0.resources.isEmpty && $0.expiresAt == nil }.isEmpty)
            XCTAssertEqual(try service.store.content.ingests(), [], "the resumed ingest was committed")
            XCTAssertFalse(try service.store.snapshotter.list().contains { $0.kind == .active }, "no half-unpacked snapshot remains")
            try withImageView(self, service, image) { root in
                for i in 0..<4 {
                    let size = (try FileManager.default.attributesOfItem(atPath: "\(root)/big/part\(i).bin")[.size] as? Int) ?? 0
                    XCTAssertEqual(size, 25 * 1024 * 1024)
                }
            }
            return
        }
    }

    struct Killed {
        var committedLayer: Digest
        var partialLayer: Digest
        var partialBytes: Int64
    }

    /// Starts `berth pull` and SIGKILLs it once one 25 MiB layer is
    /// committed and the next one is partly in its ingest; nil if the pull
    /// got through first.
    private func killMidBlob(root: String, reference: String) throws -> Killed? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: berthExecutable)
        process.arguments = ["store-pull", "--root", root, reference]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let blobs = root + "/content/blobs/sha256"
        let ingest = root + "/content/ingest"
        while process.isRunning {
            let committed = (try? FileManager.default.contentsOfDirectory(atPath: blobs)) ?? []
            let bigCommitted = committed.filter { name in
                ((try? FileManager.default.attributesOfItem(atPath: "\(blobs)/\(name)")[.size] as? Int) ?? 0) > 20_000_000
            }
            if let first = bigCommitted.first {
                for ref in (try? FileManager.default.contentsOfDirectory(atPath: ingest)) ?? [] where ref.hasPrefix("pull-sha256-") {
                    let size = (try? FileManager.default.attributesOfItem(atPath: "\(ingest)/\(ref)/data")[.size] as? Int) ?? 0
                    if size > 1_000_000 {
                        kill(process.processIdentifier, SIGKILL)
                        process.waitUntilExit()
                        // The size after death: what the next pull finds.
                        let final = (try? FileManager.default.attributesOfItem(atPath: "\(ingest)/\(ref)/data")[.size] as? Int) ?? size
                        return Killed(committedLayer: try Digest(algorithm: .sha256, hex: first),
                                      partialLayer: try Digest(algorithm: .sha256, hex: String(ref.dropFirst("pull-sha256-".count))),
                                      partialBytes: Int64(final))
                    }
                }
            }
            usleep(2000)
        }
        return nil
    }
}
