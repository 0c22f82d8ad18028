import BerthImages
import BerthOCI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// dockerd's image events (`daemon/images.LogImageEvent`): the actor is the
/// image ID, its attributes the image's labels and `name`; pull and push
/// name the reference instead (`busybox:latest`, name `busybox`).
extension ImageServiceBackend {
    func emit(_ action: String, _ image: StoredImage, id: String? = nil, name: String? = nil) {
        guard let events else { return }
        var attributes = image.config.config?.labels ?? [:]
        attributes["name"] = name ?? image.id.description
        events.publish(type: "image", action: action, id: id ?? image.id.description, attributes: attributes)
    }

    /// `tag`: the image ID, named by the new reference (`myrepo:v1`).
    func emitTag(_ target: String) {
        guard events != nil, let ref = try? Reference(parsing: target).withDefaultTag,
              let image = try? service.image(ref.description) else { return }
        emit("tag", image, name: ref.familiarString)
    }

    func emitPush(_ reference: String) {
        guard events != nil, let ref = try? Reference(parsing: reference), let image = try? service.image(reference) else { return }
        emit("push", image, id: ref.familiarString, name: ref.familiarName)
    }

    /// `docker rmi` and prune: `untag` per name (named by it), then `delete`.
    func remove(_ name: String, force: Bool) throws -> [RemovedImage] {
        let image = events == nil ? nil : try? service.image(name)
        let removed = try service.remove(name, force: force)
        guard let image else { return removed }
        for item in removed {
            switch item {
            case .untagged(let reference): emit("untag", image, name: reference)
            case .deleted: emit("delete", image)
            }
        }
        return removed
    }
}
