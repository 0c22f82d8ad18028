import BerthOCI
import BerthStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An image as the store holds it: the manifest (its bytes are in the
/// content store under `manifestDescriptor`), the config and its exact
/// bytes, and the names pointing at it.
public struct StoredImage: Sendable {
    /// The config digest: docker's image ID.
    public var id: Digest
    public var manifestDescriptor: Descriptor
    public var manifest: ImageManifest
    public var configBytes: [UInt8]
    public var config: ImageConfig
    /// Record names in the store (see BerthImages.swift).
    public var names: [String]

    /// Chain IDs of the layers, bottom first; the last one is the snapshot
    /// a container's rootfs is prepared on.
    public var chainIDs: [Digest] { ChainID.chain(config.rootfs.diffIDs) }

    /// The names that are references (not the `sha256:HEX` of a dangling image).
    var references: [Reference] {
        names.filter { !$0.hasPrefix("sha256:") }.compactMap { try? Reference(parsing: $0) }
    }

    /// `repo:tag` names, as docker's RepoTags (familiar form).
    public var repoTags: [String] {
        references.filter { $0.tag != nil }.map(\.familiarString).sorted()
    }

    /// `repo@digest` names, as docker's RepoDigests.
    public var repoDigests: [String] {
        references.filter { $0.digest != nil && $0.tag == nil }.map(\.familiarString).sorted()
    }
}

/// Label keys berth puts on records, blobs and snapshots.
enum Labels {
    /// On image records: the config digest (image ID).
    static let imageID = "berth.image.id"
    /// On image records: when the name was last set (docker's LastTagTime).
    static let tagTime = "berth.image.tag-time"
    /// On layer blobs: the diff ID, as containerd's label of that name.
    static let uncompressed = "containerd.io/uncompressed"
    /// On committed snapshots: bytes of file content the layer unpacked to.
    static let unpackedSize = "berth.layer.unpacked-size"
    /// On committed snapshots: the layer's diff ID.
    static let diffID = "berth.layer.diff-id"
    /// On container snapshots: the image they were prepared from.
    static let containerImage = "berth.container.image"
}
