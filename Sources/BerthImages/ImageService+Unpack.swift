import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension ImageService {
    /// Prepares a snapshot on `parent`, runs the feed into a `LayerPipe`
    /// unpacking into it, checks both digests (the blob's, and the diff ID
    /// when the config gave one) and commits it under its chain ID, which
    /// it returns. Any failure removes the snapshot: nothing half unpacked
    /// is ever committed. An equal snapshot committed meanwhile wins.
    @discardableResult
    func unpack(_ layer: Descriptor, diffID: Digest?, parent: Digest?, lease: String,
                progress: ProgressHandler?, feed: @escaping @Sendable (LayerPipe) throws -> Void) async throws -> (ApplyResult, Digest) {
        let expectedChain = diffID.map { ChainID.chain([parent, $0].compactMap { $0 }).last! }
        // A killed pull's half-unpacked snapshot has the same key: start that layer over.
        let key = "extract-" + (expectedChain?.hex ?? UUID().uuidString.lowercased())
        if (try? store.snapshotter.stat(key)) != nil { try store.snapshotter.remove(key) }
        try store.metadata.addLeaseResource(lease, .snapshot(key))
        _ = try store.snapshotter.prepare(key, parent: parent?.description)
        do {
            let pipe = try LayerPipe(applier: LayerApplier(sizeLimit: layerSizeLimit), into: try store.snapshotter.directory(key))
            do {
                // Feeding blocks (on the network's pace, on the unpacker's):
                // a thread of its own, not one of the concurrency pool's.
                try await onThread { try feed(pipe) }
            } catch {
                // Prefer the unpacker's complaint (a bad tar) over "broken pipe".
                pipe.abandon()
                throw error
            }
            let result = try pipe.finish()
            guard result.compressedDigest == layer.digest else {
                throw BerthError.invalidArgument("layer \(layer.digest) unpacked from bytes hashing to \(result.compressedDigest)")
            }
            if let diffID, result.diffID != diffID {
                throw BerthError.invalidArgument("layer \(layer.digest) has diff ID \(result.diffID), but the image config says \(diffID)")
            }
            let chainID = ChainID.chain([parent, result.diffID].compactMap { $0 }).last!
            progress?(PullProgress(id: layer.digest.short, status: PullProgress.extracting, current: layer.size, total: layer.size))
            try store.metadata.addLeaseResource(lease, .snapshot(chainID.description))
            if (try? store.snapshotter.stat(chainID.description))?.kind == .committed {
                try store.snapshotter.remove(key)
            } else {
                try store.snapshotter.commit(name: chainID.description, key: key,
                                             labels: [Labels.unpackedSize: String(result.unpackedSize), Labels.diffID: result.diffID.description])
            }
            try? store.metadata.setContentLabel(layer.digest, key: Labels.uncompressed, value: result.diffID.description)
            return (result, chainID)
        } catch {
            try? store.snapshotter.remove(key)
            throw error
        }
    }

    /// Copies the first `count` bytes of the file at `path` into the pipe.
    static func feed(path: String, upTo count: Int64, into pipe: LayerPipe) throws {
        let fd = try step("open \(path)") { try FileDescriptor.open(path, O_RDONLY) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < count {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try step("read \(path)") { try sysSize("pread", path) { pread(fd.raw, raw.baseAddress, min(raw.count, Int(count - offset)), off_t(offset)) } }
            }
            if n == 0 { throw BerthError.internalError("\(path) ended at \(offset) of \(count) bytes") }
            try buffer.withUnsafeBytes { try pipe.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += Int64(n)
        }
    }
}
