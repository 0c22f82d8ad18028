import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// The build cache: each build step's image is recorded under its cache
/// key (`BerthBuild.BuildCacheKey`) as a record named `#build-cache/HEX`,
/// a name no reference can spell, so it never shows as a tag. Images that
/// only the cache names (docker's intermediate images) are left out of
/// `images()`; the records keep their blobs and snapshots from garbage
/// collection until `pruneBuildCache` drops them.
extension ImageService {
    static let buildCachePrefix = "#build-cache/"

    /// The image recorded for cache key `key`, if it is still complete.
    public func buildCacheImage(key: Digest) throws -> StoredImage? {
        let record: ImageRecord
        do {
            record = try store.metadata.image(Self.buildCachePrefix + key.hex)
        } catch let error as BerthError where error.code == .notFound {
            return nil
        }
        guard let id = record.labels[Labels.imageID].flatMap({ try? Digest(parsing: $0) }) else { return nil }
        let image = try load(id: id, manifest: record.target, names: try names(of: id))
        // A snapshot removed behind the store's back makes the entry useless.
        if let top = image.chainIDs.last, (try? store.snapshotter.stat(top.description))?.kind != .committed { return nil }
        return image
    }

    /// Records `image` as the result of the step with cache key `key`.
    public func recordBuildCache(key: Digest, image: StoredImage) throws {
        try records.withLock {
            try setName(Self.buildCachePrefix + key.hex,
                        to: (id: image.id, manifest: image.manifestDescriptor, layers: image.manifest.layers, top: image.chainIDs.last))
        }
    }

    /// Whether a record name is a build cache entry.
    static func isBuildCacheName(_ name: String) -> Bool { name.hasPrefix(buildCachePrefix) }

    /// `docker builder prune`: drops every cache record and collects what
    /// no image name still holds. Returns the records dropped and the bytes freed.
    public func pruneBuildCache() throws -> (entries: [String], reclaimed: Int64) {
        let dropped: [String] = try records.withLock {
            let names = try store.metadata.images().map(\.name).filter(Self.isBuildCacheName)
            try store.metadata.database.transaction {
                for name in names { try store.metadata.deleteImage(name) }
            }
            return names.map { String($0.dropFirst(Self.buildCachePrefix.count)) }
        }
        let report = try store.collectGarbage(snapshots: true)
        return (dropped, report.reclaimedBytes)
    }
}
