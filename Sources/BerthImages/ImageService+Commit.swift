import BerthOCI
import BerthStore
import BerthSystem
import Glibc
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// What a commit puts on top of its parent image (moby's
/// `backend.CommitConfig`): the new runtime config and the history entry.
public struct ImageCommit: Sendable {
    /// The new image's `config` (replaces the parent's; nil keeps it).
    public var config: ContainerConfig?
    /// The history entry of the change; `empty_layer` is set by the commit
    /// when the diff turns out empty.
    public var history: ImageConfig.History
    public var author: String?
    /// Names the new image gets (normalised or not: `x` is `docker.io/library/x:latest`).
    public var names: [String]

    public init(config: ContainerConfig? = nil, history: ImageConfig.History = ImageConfig.History(),
                author: String? = nil, names: [String] = []) {
        self.config = config
        self.history = history
        self.author = author
        self.names = names
    }
}

extension ImageService {
    /// The diff ID of a layer without changes: a tar of 1024 zero bytes.
    public static let emptyLayerDiffID = try! Digest(parsing: "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")

    /// Commits the active snapshot `key` (an overlay upper directory on
    /// `parent`'s top layer; unmounted, or at least not changing) as a new
    /// image: the upper directory's diff (`Differ`) becomes a layer blob in
    /// the content store and a committed snapshot under its chain ID, and
    /// the config is the parent's with `change` applied and the history
    /// entry appended. An empty diff adds no layer (`empty_layer`, as
    /// docker's commit does); `key` nil commits a config-only change.
    ///
    /// `consume`: the snapshot itself becomes the layer's snapshot (a build
    /// step's, used once: no second unpack; `key` stops existing).
    /// Otherwise `key` stays as it is (a container that lives on, as for
    /// `docker commit`) and the layer is unpacked from its blob.
    /// Returns the new image; its ID is its config's digest.
    public func commit(snapshot key: String?, parent: StoredImage?, _ change: ImageCommit,
                       consume: Bool = false) async throws -> StoredImage {
        let names = try change.names.map { try Reference(parsing: $0).withDefaultTag.description }
        let parentChain = parent?.chainIDs.last
        return try await withLease("commit") { lease in
            var layers = parent?.manifest.layers ?? []
            var diffIDs = parent?.config.rootfs.diffIDs ?? []
            var top = parentChain
            var history = change.history
            history.emptyLayer = true
            if let key {
                if let (layer, diffID, chainID) = try await commitLayer(key, parent: parentChain, consume: consume, lease: lease) {
                    layers.append(layer)
                    diffIDs.append(diffID)
                    top = chainID
                    history.emptyLayer = nil
                } else if consume {
                    try store.snapshotter.remove(key)
                }
            }
            let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            if history.created == nil { history.created = now }
            let platform = Platform.current
            var config = parent?.config ?? ImageConfig(architecture: platform.architecture, os: platform.os,
                                                       variant: platform.variant, rootfs: .init(diffIDs: []))
            config.created = now
            config.config = change.config ?? config.config
            if let author = change.author { config.author = author }
            config.rootfs = .init(diffIDs: diffIDs)
            var entries = config.history ?? []
            entries.append(history)
            config.history = entries
            config.container = nil
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let bytes = Array(try encoder.encode(config))
            return try record(configBytes: bytes, config: config, layers: layers, top: top, names: names, lease: lease)
        }
    }

    /// Writes the diff of snapshot `key` as a layer blob and gives it a
    /// committed snapshot; nil when the diff is empty.
    private func commitLayer(_ key: String, parent: Digest?, consume: Bool,
                             lease: String) async throws -> (Descriptor, Digest, Digest)? {
        let upper = try store.snapshotter.directory(key)
        return try await withAsyncScratch { scratch in
            let path = scratch + "/layer.tar"
            let fd = try step("create \(path)") { try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600) }
            let diff = try Differ().diff(upper: upper, to: fd.raw)
            if diff.diffID == Self.emptyLayerDiffID { return nil }
            let region = FileRegion(fd: fd.raw, path: path, offset: 0, size: diff.size)
            let mediaType = Self.layerMediaType(.none, oci: false)
            let chainID = ChainID.chain([parent, diff.diffID].compactMap { $0 }).last!
            guard consume else {
                let (layer, chain) = try await ingestLayer(region, expected: diff.digest, diffID: diff.diffID, parent: parent,
                                                           oci: false, mediaType: mediaType, what: "commit of \(key)", lease: lease)
                return (layer, diff.diffID, chain)
            }
            let layer = try ingest(region, expected: diff.digest, mediaType: mediaType, what: "commit of \(key)", lease: lease)
            try? store.metadata.setContentLabel(layer.digest, key: Labels.uncompressed, value: diff.diffID.description)
            try store.metadata.addLeaseResource(lease, .snapshot(chainID.description))
            if (try? store.snapshotter.stat(chainID.description))?.kind == .committed {
                try store.snapshotter.remove(key)
            } else {
                // The tar's size stands in for the unpacked size (file bytes plus headers).
                try store.snapshotter.commit(name: chainID.description, key: key,
                                             labels: [Labels.unpackedSize: String(diff.tarSize), Labels.diffID: diff.diffID.description])
            }
            return (layer, diff.diffID, chainID)
        }
    }

    /// The image `source` was after the step that follows `parent`'s
    /// history (moby's restoreCachedImage for `--cache-from`): `source`'s
    /// history and layers up to that step, with `config` as the runtime
    /// config. The caller checked that `source` continues `parent`.
    public func restoreStep(of source: StoredImage, after parent: StoredImage?, config: ContainerConfig) async throws -> StoredImage {
        let count = (parent?.config.history?.count ?? 0) + 1
        let history = Array((source.config.history ?? []).prefix(count))
        guard history.count == count else {
            throw BerthError.invalidArgument("image \(source.id.short) has no history entry \(count) to restore")
        }
        // The parent's layers (its history may not list them all: a loaded
        // image's config can lack history) and the step's own, if any.
        let layerCount = (parent?.config.rootfs.diffIDs.count ?? 0) + (history.last?.emptyLayer == true ? 0 : 1)
        guard layerCount <= source.manifest.layers.count, layerCount <= source.config.rootfs.diffIDs.count else {
            throw BerthError.invalidArgument("image \(source.id.short) has fewer layers than its history says")
        }
        var image = source.config
        image.config = config
        image.history = history
        image.rootfs = .init(diffIDs: Array(source.config.rootfs.diffIDs.prefix(layerCount)))
        image.created = history.last?.created ?? image.created
        let layers = Array(source.manifest.layers.prefix(layerCount))
        let top = ChainID.chain(image.rootfs.diffIDs).last
        return try await withLease("restore") { lease in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try record(configBytes: Array(try encoder.encode(image)), config: image, layers: layers, top: top,
                              names: [], lease: lease)
        }
    }
}
