import BerthOCI
import BerthStore

/// Answers "which containers use this image?" so `remove` can refuse, as
/// docker's `rmi` does ("conflict: unable to delete … image is being used by
/// running container …"). The engine supplies its own; the default looks at
/// the rootfs snapshots `prepareRootfs` made.
public protocol ImageUsage: Sendable {
    /// Container names or IDs using `imageID` (empty: none).
    func containers(using imageID: Digest) throws -> [String]
}

/// Containers are the active snapshots labelled with the image they were
/// prepared from (`ImageService.prepareRootfs`).
public struct SnapshotImageUsage: ImageUsage {
    let snapshotter: Snapshotter

    public init(snapshotter: Snapshotter) {
        self.snapshotter = snapshotter
    }

    public func containers(using imageID: Digest) throws -> [String] {
        try snapshotter.list().filter { $0.kind == .active && $0.labels[Labels.containerImage] == imageID.description }.map(\.key)
    }
}
