import BerthOCI
import BerthStore
import BerthSystem

extension ImageService {
    /// A container's root filesystem: a writable snapshot `containerKey`
    /// over the image's top layer. Returns the mounts (overlay, or a bind
    /// for an image without layers) for the engine to perform at the
    /// bundle's rootfs; nothing is mounted here. The snapshot is labelled
    /// with the image ID, which `SnapshotImageUsage` reads.
    public func prepareRootfs(image nameOrID: String, containerKey: String) throws -> [Mount] {
        let image = try image(nameOrID)
        do {
            return try store.snapshotter.prepare(containerKey, parent: image.chainIDs.last?.description,
                                                 labels: [Labels.containerImage: image.id.description])
        } catch let error as BerthError where error.code == .notFound {
            throw BerthError.internalError("image \(image.id.short): its top layer snapshot is missing (pull it again or run fsck)", cause: error)
        }
    }

    /// The mounts of a container's existing rootfs snapshot.
    public func rootfsMounts(containerKey: String) throws -> [Mount] {
        try store.snapshotter.mounts(containerKey)
    }

    /// Removes a container's rootfs snapshot (the caller unmounted it).
    public func removeRootfs(containerKey: String) throws {
        try store.snapshotter.remove(containerKey)
    }
}
