// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// What `fsck` found (and, with `repair`, removed).
public struct FsckReport: Sendable, Equatable {
    /// Ingests nobody is writing that are stale, empty or already committed.
    public var orphanIngests: [String] = []
    /// Blobs whose bytes do not hash to their name.
    public var corruptBlobs: [Digest] = []
    /// Files under blobs/ that are not named by a digest.
    public var strayBlobFiles: [String] = []
    /// Snapshots whose parent row is gone.
    public var snapshotsMissingParent: [String] = []
    /// Snapshot rows whose directory is gone.
    public var snapshotsMissingDirectory: [String] = []
    /// Directories and links under snapshots/ that no row owns.
    public var orphanSnapshotFiles: [String] = []

    public var isClean: Bool { self == FsckReport() }
}

extension Store {
    /// Checks that disk and metadata agree. With `repair`, removes orphan
    /// ingests, corrupt blobs (a re-pull fetches them again) and orphan
    /// snapshot files; rows with a missing parent or directory are only
    /// reported, since removing them may take a container's layer away.
    public func fsck(repair: Bool = false, staleIngestAge: TimeInterval = 24 * 3600, now: Date = Date()) throws -> FsckReport {
        try maintenance.withLock {
            var report = FsckReport()
            try step("fsck ingests") { try checkIngests(&report, repair: repair, staleAge: staleIngestAge, now: now) }
            try step("fsck blobs") { try checkBlobs(&report, repair: repair) }
            try step("fsck snapshots") { try checkSnapshots(&report, repair: repair) }
            return report
        }
    }

    private func checkIngests(_ report: inout FsckReport, repair: Bool, staleAge: TimeInterval, now: Date) throws {
        for ref in try content.ingests() {
            let directory = content.ingestPath(ref)
            guard let data = try? FileDescriptor.open(directory + "/data", O_RDWR | O_NOFOLLOW) else {
                report.orphanIngests.append(ref) // no data file: a crash before the first byte
                if repair { try Durable.removeTree(directory) }
                continue
            }
            // A live writer holds the lock: never touch its ingest.
            guard flock(data.raw, LOCK_EX | LOCK_NB) == 0 else { continue }
            let marker = (try? Durable.readFile(directory + "/expected")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let digest = marker.split(separator: " ").first.flatMap { try? Digest(parsing: String($0)) }
            let age = now.timeIntervalSince1970 - Double(try data.stat().st_mtim.tv_sec)
            if digest == nil || content.exists(digest!) || age > staleAge {
                report.orphanIngests.append(ref)
                if repair { try Durable.removeTree(directory) }
            }
        }
    }

    private func checkBlobs(_ report: inout FsckReport, repair: Bool) throws {
        for algorithm in [Digest.Algorithm.sha256, .sha512] {
            let directory = "\(content.root)/blobs/\(algorithm.rawValue)"
            for name in try directoryEntries(directory) {
                guard let digest = try? Digest(algorithm: algorithm, hex: name) else {
                    report.strayBlobFiles.append("\(algorithm.rawValue)/\(name)")
                    continue
                }
                let reader = try content.open(digest)
                var hasher = DigestHasher(algorithm)
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                var offset: Int64 = 0
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0, at: offset) }
                    if count == 0 { break }
                    buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    offset += Int64(count)
                }
                if hasher.digest != digest {
                    report.corruptBlobs.append(digest)
                    if repair { try content.delete(digest) }
                }
            }
        }
    }

    private func checkSnapshots(_ report: inout FsckReport, repair: Bool) throws {
        let records = try metadata.snapshotRecords()
        let ids = Set(records.map(\.id))
        for record in records {
            if let parent = record.parentID, !ids.contains(parent) { report.snapshotsMissingParent.append(record.key) }
            if access(snapshotter.directory(record) + "/fs", F_OK) != 0 { report.snapshotsMissingDirectory.append(record.key) }
        }
        let owned = Set(records.map { String($0.id) })
        for name in try directoryEntries(snapshotter.root) where name != "l" && !owned.contains(name) {
            report.orphanSnapshotFiles.append(name)
            if repair { try Durable.removeTree(snapshotter.root + "/" + name) }
        }
        let links = Set(records.map(\.link))
        for name in try directoryEntries(snapshotter.root + "/l") where !links.contains(name) {
            report.orphanSnapshotFiles.append("l/" + name)
            if repair { unlink(snapshotter.root + "/l/" + name) }
        }
    }
}
