import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of `docker rmi`'s answer (moby's ImageDeleteResponseItem).
public enum RemovedImage: Sendable, Equatable, CustomStringConvertible {
    case untagged(String)
    case deleted(Digest)

    public var description: String {
        switch self {
        case .untagged(let name): return "Untagged: \(name)"
        case .deleted(let id): return "Deleted: \(id)"
        }
    }
}

extension ImageService {
    /// `docker tag SOURCE TARGET`: TARGET (`repo[:tag]`, no digest) names
    /// the image SOURCE finds; a tag pointing elsewhere moves.
    public func tag(_ source: String, as target: String) throws {
        let image = try image(source)
        let ref = try Reference(parsing: target)
        guard ref.digest == nil else {
            throw BerthError.invalidArgument("refusing to create a tag with a digest reference: \(target)")
        }
        try records.withLock {
            try setName(ref.withDefaultTag.description,
                        to: (id: image.id, manifest: image.manifestDescriptor, layers: image.manifest.layers, top: image.chainIDs.last))
        }
    }

    /// `docker rmi [-f] NAME|ID`, with docker's rules
    /// (daemon/images/image_delete.go):
    /// - a name is untagged; when it was the image's last tag, its digest
    ///   names go too and the image is deleted;
    /// - an ID deletes the image and all its names, but without `force`
    ///   not when names in several repositories point at it;
    /// - deleting an image a container uses is refused without `force`
    ///   (the container keeps its layers either way: its snapshot's parents
    ///   are not collected).
    /// Deleting collects garbage, so layers no other image shares are freed.
    @discardableResult
    public func remove(_ nameOrID: String, force: Bool = false) throws -> [RemovedImage] {
        try records.withLock {
            let image = try image(nameOrID)
            var removed: [RemovedImage] = []
            let byName = try record(named: nameOrID).map { $0.labels[Labels.imageID] == image.id.description } ?? false
            let parsed = try? Reference(parsing: nameOrID)
            let tags = image.references.filter { $0.tag != nil }.map(\.description)

            if byName, let parsed {
                let name = parsed.withDefaultTag.description
                let leftTags = tags.filter { $0 != name }
                if !leftTags.isEmpty || parsed.digest != nil && !tags.isEmpty {
                    try store.metadata.deleteImage(name)
                    return [.untagged(parsed.withDefaultTag.familiarString)]
                }
                let users = try usage.containers(using: image.id)
                if !users.isEmpty, !force {
                    throw BerthError.conflict("unable to remove repository reference \"\(nameOrID)\" (must force) - container \(users[0]) is using its referenced image \(image.id.short)")
                }
            } else if !force {
                let repositories = Set(image.references.map(\.name))
                if repositories.count > 1 {
                    throw BerthError.conflict("unable to delete \(image.id.short) (must be forced) - image is referenced in multiple repositories")
                }
                let users = try usage.containers(using: image.id)
                if !users.isEmpty {
                    throw BerthError.conflict("unable to delete \(image.id.short) (must be forced) - image is being used by container \(users[0])")
                }
            }
            try store.metadata.database.transaction {
                for name in image.names {
                    try store.metadata.deleteImage(name)
                    if !name.hasPrefix("sha256:"), let ref = try? Reference(parsing: name) { removed.append(.untagged(ref.familiarString)) }
                }
            }
            removed.append(.deleted(image.id))
            _ = try store.collectGarbage(snapshots: true)
            return removed
        }
    }
}
