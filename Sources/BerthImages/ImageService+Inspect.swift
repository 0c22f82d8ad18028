import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ImageService {
    /// `docker images`: every image with its names, size and creation time.
    /// Images only the build cache names (intermediate build steps) are
    /// left out unless `intermediate` (docker's `images -a`).
    public func images(intermediate: Bool = false) throws -> [ImageSummary] {
        let listed = try allImages().filter { (image: StoredImage) -> Bool in
            intermediate || image.names.isEmpty || !image.names.allSatisfy { Self.isBuildCacheName($0) }
        }
        return try listed.map { image in
            ImageSummary(Id: image.id.description, ParentId: "", RepoTags: image.repoTags, RepoDigests: image.repoDigests,
                         Created: Int64(Self.date(image.config.created)?.timeIntervalSince1970 ?? 0),
                         Size: try size(of: image), Labels: image.config.config?.labels ?? [:],
                         Containers: (try? usage.containers(using: image.id).count) ?? -1)
        }.sorted { $0.Created > $1.Created || ($0.Created == $1.Created && $0.Id < $1.Id) }
    }

    /// `docker image inspect NAME|ID`.
    public func inspect(_ nameOrID: String) throws -> ImageInspect {
        let image = try image(nameOrID)
        let tagTimes = try store.metadata.images(target: image.manifestDescriptor.digest).compactMap { $0.labels[Labels.tagTime] }
        let topDirectory = image.chainIDs.last.flatMap { try? store.snapshotter.directory($0.description) }
        return ImageInspect(
            Id: image.id.description, RepoTags: image.repoTags, RepoDigests: image.repoDigests, Parent: "",
            Comment: image.config.history?.last?.comment ?? "", Created: image.config.created,
            DockerVersion: image.config.dockerVersion ?? "", Author: image.config.author ?? "",
            Config: image.config.config, Architecture: image.config.architecture, Variant: image.config.variant,
            Os: image.config.os, Size: try size(of: image),
            GraphDriver: .init(Name: "overlayfs", Data: topDirectory.map { ["UpperDir": $0] }),
            RootFS: .init(type: image.config.rootfs.type, Layers: image.config.rootfs.diffIDs.map(\.description)),
            Metadata: .init(LastTagTime: tagTimes.max()))
    }

    /// `docker history NAME|ID`: the config's history, newest first, with
    /// each non-empty entry's layer size.
    public func history(_ nameOrID: String) throws -> [HistoryEntry] {
        let image = try image(nameOrID)
        var sizes = try image.chainIDs.map { try layerSize($0) }.makeIterator()
        var entries = (image.config.history ?? []).map { item -> HistoryEntry in
            let size = item.emptyLayer == true ? 0 : (sizes.next() ?? 0)
            return HistoryEntry(Id: "<missing>", Created: Int64(Self.date(item.created)?.timeIntervalSince1970 ?? 0),
                                CreatedBy: item.createdBy ?? "", Tags: nil, Size: size, Comment: item.comment ?? "")
        }
        if entries.isEmpty {
            entries = try image.chainIDs.map { HistoryEntry(Id: "<missing>", Created: 0, CreatedBy: "", Tags: nil, Size: try layerSize($0), Comment: "") }
        }
        entries.reverse()
        if !entries.isEmpty {
            entries[0].Id = image.id.description
            entries[0].Tags = image.repoTags
        }
        return entries
    }

    /// Bytes of the image's unpacked layers (docker's Size).
    func size(of image: StoredImage) throws -> Int64 {
        try image.chainIDs.reduce(0) { $0 + (try layerSize($1)) }
    }

    func layerSize(_ chainID: Digest) throws -> Int64 {
        guard let info = try? store.snapshotter.stat(chainID.description) else { return 0 }
        return info.labels[Labels.unpackedSize].flatMap(Int64.init) ?? 0
    }

    /// An RFC 3339 time as image configs write it (fractions of any length).
    static func date(_ text: String?) -> Date? {
        guard var text else { return nil }
        // Date.ISO8601FormatStyle wants no fraction or milliseconds; Go
        // writes nanoseconds, which docker's CREATED column ignores too.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            text.removeSubrange(dot..<end)
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
