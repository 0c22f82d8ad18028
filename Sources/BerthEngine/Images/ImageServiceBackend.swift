import BerthAPIModel
import BerthImages
import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The image routes over the real image store (moby's daemon/images):
/// this file holds the local operations (list, inspect, history, tag,
/// remove, prune); `+Transfer` the streamed ones (pull, push, import,
/// save, load). Errors keep docker's wording: "No such image: NAME" (404),
/// "conflict: unable to delete …" (409). Each operation publishes
/// dockerd's image events on `events` (`+Events`).
public struct ImageServiceBackend: ImageBackend {
    public let service: ImageService
    let events: EventBus?

    public init(service: ImageService, events: EventBus? = nil) {
        self.service = service
        self.events = events
    }

    public func imageList(_ options: ImageListOptions) async throws -> [BerthAPIModel.ImageSummary] {
        for unsupported in ["before", "since", "until"] where options.filters.contains(unsupported) {
            throw BerthError(.notImplemented, "the image list filter '\(unsupported)' is not supported by berth daemon yet")
        }
        try options.filters.validate(allowed: ["dangling", "reference", "label", "label!"])
        let dangling = options.filters.values("dangling")
        if let bad = dangling.first(where: { $0 != "true" && $0 != "false" }) {
            throw BerthError.invalidArgument("invalid filter 'dangling=\(bad)'")
        }
        let shared = options.sharedSize ? try service.sharedSizes() : [:]
        return try service.images(intermediate: options.all).compactMap { image -> BerthAPIModel.ImageSummary? in
            if dangling.contains("true"), !image.RepoTags.isEmpty { return nil }
            if dangling.contains("false"), image.RepoTags.isEmpty { return nil }
            if !options.filters.matchLabels(image.Labels) { return nil }
            let patterns = options.filters.values("reference")
            var tags = image.RepoTags
            if !patterns.isEmpty {
                // moby: path.Match on the familiar name and on name:tag;
                // only the matching tags are listed.
                tags = tags.filter { tag in patterns.contains { Self.referenceMatches($0, tag) } }
                if tags.isEmpty { return nil }
            }
            var summary = ImageSummary()
            summary.id = image.Id
            summary.parentId = image.ParentId
            summary.repoTags = tags
            summary.repoDigests = image.RepoDigests
            summary.created = Int(image.Created)
            summary.size = image.Size
            summary.sharedSize = shared[image.Id] ?? -1
            summary.labels = image.Labels
            summary.containers = image.Containers
            return summary
        }
    }

    /// `reference=busybox`, `reference=busy*:lat*`: the pattern against the
    /// repository, or against repository:tag when it has a tag.
    static func referenceMatches(_ pattern: String, _ tag: String) -> Bool {
        let repository = tag.lastIndex(of: ":").map { String(tag[..<$0]) } ?? tag
        let patternHasTag = pattern.split(separator: "/").last?.contains(":") ?? false
        return fnmatch(pattern, patternHasTag ? tag : repository, 0) == 0
    }

    public func imageInspect(_ name: String, manifests: Bool) async throws -> BerthAPIModel.ImageInspect {
        let image = try service.inspect(name)
        var inspect = ImageInspect()
        inspect.id = image.Id
        inspect.repoTags = image.RepoTags
        inspect.repoDigests = image.RepoDigests
        inspect.parent = image.Parent
        inspect.comment = image.Comment
        inspect.created = image.Created
        inspect.dockerVersion = image.DockerVersion
        inspect.author = image.Author
        inspect.config = try image.Config.map { try Self.convert($0, to: ImageConfig.self) }
        inspect.architecture = image.Architecture
        inspect.variant = image.Variant
        inspect.os = image.Os
        inspect.size = image.Size
        inspect.graphDriver = DriverData(name: image.GraphDriver.Name, data: image.GraphDriver.Data ?? [:])
        inspect.rootFS = .init(type: image.RootFS.type, layers: image.RootFS.Layers)
        inspect.metadata = .init(lastTagTime: image.Metadata.LastTagTime)
        return inspect
    }

    /// The image config's container part (BerthOCI) as the API's model:
    /// both use docker's keys, so JSON carries it across.
    static func convert<From: Encodable, To: Decodable>(_ value: From, to: To.Type) throws -> To {
        try JSONDecoder().decode(To.self, from: JSONEncoder().encode(value))
    }

    public func imageHistory(_ name: String, platform: String?) async throws -> [ImageHistoryResponseItem] {
        try service.history(name).map {
            ImageHistoryResponseItem(id: $0.Id, created: $0.Created, createdBy: $0.CreatedBy, tags: $0.Tags ?? [],
                                     size: $0.Size, comment: $0.Comment)
        }
    }

    public func imageTag(_ name: String, repo: String, tag: String?) async throws {
        let target = tag.map { "\(repo):\($0)" } ?? repo
        try service.tag(name, as: target)
        emitTag(target)
    }

    public func imageRemove(_ name: String, options: ImageRemoveOptions) async throws -> [ImageDeleteResponseItem] {
        do {
            return try remove(name, force: options.force).map(Self.item)
        } catch let error as BerthError where error.code == .conflict && !error.message.hasPrefix("conflict:") {
            // moby's errdefs.Conflict messages start so; the CLI prints them as they are.
            throw BerthError(.conflict, "conflict: " + error.message)
        }
    }

    static func item(_ removed: RemovedImage) -> ImageDeleteResponseItem {
        switch removed {
        case .untagged(let name): return ImageDeleteResponseItem(untagged: name)
        case .deleted(let id): return ImageDeleteResponseItem(deleted: id.description)
        }
    }

    /// `docker image prune [-a]`: dangling images (no tags), or with
    /// `dangling=false` every image no container uses.
    public func imagesPrune(filters: Filters) async throws -> ImagePruneResponse {
        let danglingOnly = !filters.values("dangling").contains("false")
        var deleted: [ImageDeleteResponseItem] = []
        var reclaimed: Int64 = 0
        for image in try service.images() {
            if danglingOnly, !image.RepoTags.isEmpty { continue }
            if !filters.matchLabels(image.Labels) { continue }
            guard let id = try? Digest(parsing: image.Id), try service.usage.containers(using: id).isEmpty else { continue }
            // Nothing uses it: force only overrides "referenced in several repositories".
            guard let removed = try? remove(image.Id, force: true) else { continue }
            deleted += removed.map(Self.item)
            reclaimed += image.Size
        }
        events?.publish(type: "image", action: "prune", id: "", attributes: ["reclaimed": String(reclaimed)])
        return ImagePruneResponse(imagesDeleted: deleted, spaceReclaimed: reclaimed)
    }

    public func imageSearch(_ term: String, limit: Int?, filters: Filters, auth: AuthConfig?) async throws -> [ImageSearchResponseItem] {
        throw BerthError(.notImplemented, "search is not supported by berth daemon: registries have no search API (only Docker Hub's index has one)")
    }

    public func distributionInspect(_ name: String, auth: AuthConfig?) async throws -> DistributionInspect {
        throw BerthError(.notImplemented, "distribution inspect is not supported by berth daemon yet")
    }
}
