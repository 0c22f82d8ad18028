import BerthImages
import BerthOCI
import BerthStore

/// What the container service needs from the image store: resolve a name,
/// prepare a container's writable rootfs, remove it. BerthImages provides
/// the real one; `DirectoryImages` serves directory rootfs images (tests,
/// and devices that ship their rootfs unpacked).
public protocol ContainerImages: Sendable {
    /// Resolves a reference ("busybox", "busybox:latest", an ID or its
    /// prefix); `.notFound` with "No such image: <name>" when unknown.
    func resolve(_ name: String) async throws -> ResolvedImage
    /// Prepares the writable rootfs of container `key` on top of `imageID`
    /// and returns the mounts that build it (the caller mounts them).
    func prepareRootfs(key: String, imageID: String) async throws -> [BerthStore.Mount]
    /// Removes the rootfs of `key` (already unmounted); absent is fine.
    func removeRootfs(key: String) async throws
    /// `docker commit`: the changes in rootfs `key` (on `imageID`) as a new
    /// layer and image with `change`'s config, history and names; returns its ID.
    func commitRootfs(key: String, imageID: String, _ change: ImageCommit) async throws -> String
}

/// An image resolved for a container.
public struct ResolvedImage: Sendable {
    /// "sha256:…".
    public var id: String
    /// The name the container refers to (as the user wrote it, normalized).
    public var name: String
    public var config: BerthOCI.ImageConfig

    public init(id: String, name: String, config: BerthOCI.ImageConfig) {
        self.id = id
        self.name = name
        self.config = config
    }
}
