import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ImageService {
    /// Every image in the store, by ID, with all its names.
    public func allImages() throws -> [StoredImage] {
        var names: [Digest: [String]] = [:]
        var targets: [Digest: Descriptor] = [:]
        for record in try store.metadata.images() {
            guard let id = record.labels[Labels.imageID].flatMap({ try? Digest(parsing: $0) }) else { continue }
            names[id, default: []].append(record.name)
            targets[id] = targets[id] ?? record.target
        }
        return try targets.map { id, target in try load(id: id, manifest: target, names: names[id] ?? []) }
            .sorted { $0.id < $1.id }
    }

    /// Finds an image as docker does: a full or short ID (`sha256:…`, 12+ hex
    /// digits), then a name (`busybox` is `docker.io/library/busybox:latest`),
    /// then a `repo@digest`. `.notFound` says "No such image: NAME".
    public func image(_ nameOrID: String) throws -> StoredImage {
        if let match = try findByID(nameOrID) { return match }
        if let record = try record(named: nameOrID) {
            guard let id = record.labels[Labels.imageID].flatMap({ try? Digest(parsing: $0) }) else {
                throw BerthError.internalError("image record \(record.name) has no \(Labels.imageID) label")
            }
            return try load(id: id, manifest: record.target, names: try names(of: id))
        }
        throw BerthError.notFound("No such image: \(nameOrID)")
    }

    /// The record a user-given name means, normalised (`busybox` →
    /// `docker.io/library/busybox:latest`), or nil.
    func record(named name: String) throws -> ImageRecord? {
        guard let reference = try? Reference(parsing: name) else { return nil }
        do {
            return try store.metadata.image(reference.withDefaultTag.description)
        } catch let error as BerthError where error.code == .notFound {
            return nil
        }
    }

    private func findByID(_ text: String) throws -> StoredImage? {
        var hex = text
        if hex.hasPrefix("sha256:") { hex.removeFirst("sha256:".count) } else if hex.count < 12 { return nil }
        guard !hex.isEmpty, hex.count <= 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        // A tag that looks like hex (`deadbeef1234`) is still a name first, as docker.
        if !text.hasPrefix("sha256:"), try record(named: text) != nil { return nil }
        let matches = try allImages().filter { $0.id.hex.hasPrefix(hex) }
        if matches.count > 1 {
            throw BerthError.invalidArgument("image ID prefix \(text) is ambiguous: it matches \(matches.map(\.id.short).joined(separator: ", "))")
        }
        return matches.first
    }

    /// All record names of image `id`.
    func names(of id: Digest) throws -> [String] {
        try store.metadata.images().filter { $0.labels[Labels.imageID] == id.description }.map(\.name)
    }

    /// Reads manifest and config of an image from the content store.
    func load(id: Digest, manifest descriptor: Descriptor, names: [String]) throws -> StoredImage {
        let manifestBytes = try store.content.read(descriptor.digest)
        let manifest: ImageManifest
        do {
            manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(manifestBytes))
        } catch {
            throw BerthError.internalError("manifest \(descriptor.digest) of image \(id.short) is unreadable (run fsck)", cause: error)
        }
        let configBytes = try store.content.read(id)
        let config: ImageConfig
        do {
            config = try JSONDecoder().decode(ImageConfig.self, from: Data(configBytes))
        } catch {
            throw BerthError.internalError("config of image \(id.short) is unreadable (run fsck)", cause: error)
        }
        return StoredImage(id: id, manifestDescriptor: descriptor, manifest: manifest, configBytes: configBytes,
                           config: config, names: names.sorted())
    }

    /// Names `image` as `name` (a normalised record name) and records what
    /// the image needs for GC: manifest → config and layers, config → top
    /// snapshot. A tag that pointed at another image moves; an image left
    /// without any name stays as a dangling `<none>` one (record
    /// `sha256:HEX`), as docker keeps the old image of a re-pulled tag.
    func setName(_ name: String, to image: (id: Digest, manifest: Descriptor, layers: [Descriptor], top: Digest?)) throws {
        try store.metadata.database.transaction {
            try store.metadata.addReferences(from: .content(image.manifest.digest),
                                             to: [.content(image.id)] + image.layers.map { .content($0.digest) })
            if let top = image.top {
                try store.metadata.addReference(from: .content(image.id), to: .snapshot(top.description))
            }
            let previous = try? store.metadata.image(name)
            let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            try store.metadata.putImage(name: name, target: image.manifest,
                                        labels: [Labels.imageID: image.id.description, Labels.tagTime: time])
            // Once named, the image is no longer dangling.
            if name != image.id.description, (try? store.metadata.image(image.id.description)) != nil {
                try store.metadata.deleteImage(image.id.description)
            }
            if let previous, let old = previous.labels[Labels.imageID], old != image.id.description,
               try store.metadata.images().allSatisfy({ $0.labels[Labels.imageID] != old }) {
                try store.metadata.putImage(name: old, target: previous.target, labels: [Labels.imageID: old, Labels.tagTime: time])
            }
        }
    }
}
