import BerthImages
import BerthOCI
import BerthStore
import BerthSystem

/// The container service's images from the real image store
/// (`BerthImages.ImageService`): names resolve as docker resolves them (ID,
/// short ID, `busybox` = `docker.io/library/busybox:latest`, `repo@digest`),
/// and a container's rootfs is a writable overlay snapshot over the image's
/// top layer, labelled with the image ID so `rmi` knows it is in use.
public struct StoreImages: ContainerImages {
    public let service: ImageService

    public init(service: ImageService) {
        self.service = service
    }

    public func resolve(_ name: String) async throws -> ResolvedImage {
        let image = try service.image(name)
        return ResolvedImage(id: image.id.description, name: name, config: image.config)
    }

    public func prepareRootfs(key: String, imageID: String) async throws -> [BerthStore.Mount] {
        try service.prepareRootfs(image: imageID, containerKey: key)
    }

    public func commitRootfs(key: String, imageID: String, _ change: ImageCommit) async throws -> String {
        let parent = try service.image(imageID)
        return try await service.commit(snapshot: key, parent: parent, change).id.description
    }

    public func removeRootfs(key: String) async throws {
        do {
            try service.removeRootfs(containerKey: key)
        } catch let error as BerthError where error.code == .notFound {}
    }
}

/// Which containers use an image, for `rmi`: the container service's rootfs
/// snapshots (`container-<id>`) labelled with the image they were prepared
/// from, reported as docker does, by short container ID ("image is being
/// used by container 3f2b1c…"). Reading the snapshots, not the service's
/// records, keeps this synchronous and true for containers a restarted
/// daemon has not restored yet.
public struct ContainerImageUsage: ImageUsage {
    let snapshots: SnapshotImageUsage

    public init(snapshotter: Snapshotter) {
        snapshots = SnapshotImageUsage(snapshotter: snapshotter)
    }

    public func containers(using imageID: Digest) throws -> [String] {
        try snapshots.containers(using: imageID).map { key in
            key.hasPrefix("container-") ? String(key.dropFirst("container-".count).prefix(12)) : key
        }
    }
}
