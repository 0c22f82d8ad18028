import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// A byte range of a local file: an archive member or a whole tarball.
struct FileRegion {
    let fd: Int32
    let path: String
    let offset: Int64
    let size: Int64

    /// Calls `body` with the region's bytes in 1 MiB pieces.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done: Int64 = 0
        while done < size {
            let want = Int(min(Int64(buffer.count), size - done))
            let n = try buffer.withUnsafeMutableBytes { raw in
                try step("read \(path)") { try sysSize("pread", path) { pread(fd, raw.baseAddress, want, off_t(offset + done)) } }
            }
            if n == 0 { throw BerthError.invalidArgument("\(path) ended at byte \(offset + done), inside an entry of \(size) bytes") }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            done += Int64(n)
        }
    }

    /// The sha256 of the region.
    func digest() throws -> Digest {
        var hasher = DigestHasher()
        try forEachChunk { hasher.update($0) }
        return hasher.digest
    }

    /// The compression its first bytes announce.
    func compression() throws -> LayerCompression {
        let head = try preadAll(fd, offset: offset, count: Int(min(size, 4)), path: path)
        if head.count >= 2, head[0] == 0x1f, head[1] == 0x8b { return .gzip }
        if head.count >= 4, head[0] == 0x28, head[1] == 0xb5, head[2] == 0x2f, head[3] == 0xfd { return .zstd }
        return .none
    }
}

extension ImageService {
    /// Copies `region` into the content store as blob `expected` (verified
    /// on commit; a mismatch is an error naming `what`). Nothing to do when
    /// the blob is already there.
    func ingest(_ region: FileRegion, expected: Digest, mediaType: String, what: String, lease: String) throws -> Descriptor {
        try store.metadata.addLeaseResource(lease, .content(expected))
        let descriptor = Descriptor(mediaType: mediaType, digest: expected, size: region.size)
        if store.content.exists(expected) { return descriptor }
        let writer = try store.content.writer(ref: "ingest-\(expected.algorithm.rawValue)-\(expected.hex)", expected: expected, size: region.size)
        defer { writer.close() }
        if writer.offset > 0 { try writer.restart() }
        do {
            try region.forEachChunk { try writer.write($0) }
            try writer.commit()
        } catch let error as BerthError where error.code == .invalidArgument {
            throw BerthError.invalidArgument("\(what) does not match its digest \(expected)", cause: error)
        }
        return descriptor
    }

    /// Ingests a layer and unpacks it on `parent` (unless its snapshot is
    /// there already); returns its descriptor and chain ID.
    func ingestLayer(_ region: FileRegion, expected: Digest?, diffID: Digest?, parent: Digest?, oci: Bool,
                     mediaType: String? = nil, what: String, lease: String) async throws -> (Descriptor, Digest) {
        let digest = try expected ?? region.digest()
        let type = try mediaType ?? Self.layerMediaType(region.compression(), oci: oci)
        let descriptor = try ingest(region, expected: digest, mediaType: type, what: what, lease: lease)
        if let diffID {
            let chainID = ChainID.chain([parent, diffID].compactMap { $0 }).last!
            if (try? store.snapshotter.stat(chainID.description))?.kind == .committed {
                try store.metadata.addLeaseResource(lease, .snapshot(chainID.description))
                return (descriptor, chainID)
            }
        }
        let path = store.content.path(digest)
        do {
            let (_, chainID) = try await unpack(descriptor, diffID: diffID, parent: parent, lease: lease, progress: nil) { pipe in
                try Self.feed(path: path, upTo: descriptor.size, into: pipe)
            }
            return (descriptor, chainID)
        } catch let error as BerthError {
            throw BerthError(error.code, "\(what): \(error.message)", cause: error.cause)
        }
    }

    static func layerMediaType(_ compression: LayerCompression, oci: Bool) -> String {
        switch (compression, oci) {
        case (.none, false): return "application/vnd.docker.image.rootfs.diff.tar"
        case (.gzip, false): return MediaType.dockerLayerGzip
        case (.zstd, false): return "application/vnd.docker.image.rootfs.diff.tar.zstd"
        case (.none, true): return MediaType.ociLayer
        case (.gzip, true): return MediaType.ociLayerGzip
        case (.zstd, true): return MediaType.ociLayerZstd
        }
    }

    /// Writes a Docker schema2 manifest for an image assembled here (load,
    /// import) and names it; returns the image.
    func record(configBytes: [UInt8], config: ImageConfig, layers: [Descriptor], top: Digest?, names: [String],
                lease: String) throws -> StoredImage {
        let configDigest = DigestHasher.digest(of: configBytes)
        try store.metadata.addLeaseResource(lease, .content(configDigest))
        let configDescriptor = try store.content.write(configBytes, mediaType: MediaType.dockerConfig, expected: configDigest)
        let manifest = ImageManifest(mediaType: MediaType.dockerManifest, config: configDescriptor, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let manifestBytes = Array(try encoder.encode(manifest))
        let manifestDigest = DigestHasher.digest(of: manifestBytes)
        try store.metadata.addLeaseResource(lease, .content(manifestDigest))
        let manifestDescriptor = try store.content.write(manifestBytes, mediaType: MediaType.dockerManifest, expected: manifestDigest)
        let image = (id: configDigest, manifest: manifestDescriptor, layers: layers, top: top)
        try records.withLock {
            if names.isEmpty, try self.names(of: configDigest).isEmpty {
                try setName(configDigest.description, to: image)
            }
            for name in names { try setName(name, to: image) }
        }
        return try self.image(configDigest.description)
    }

    /// Runs `body` under a new lease; on failure the lease goes and garbage
    /// collection removes what the operation stored, so a rejected archive
    /// leaves no blobs or snapshots behind.
    func withLease<T>(_ prefix: String, _ body: (String) async throws -> T) async throws -> T {
        let lease = "\(prefix)-\(UUID().uuidString.lowercased())"
        try store.metadata.createLease(id: lease, expiresAt: Date().addingTimeInterval(24 * 3600))
        do {
            let result = try await body(lease)
            try store.metadata.deleteLease(lease)
            return result
        } catch {
            try? store.metadata.deleteLease(lease)
            _ = try? store.collectGarbage(snapshots: true)
            throw error
        }
    }
}
