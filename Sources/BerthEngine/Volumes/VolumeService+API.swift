// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The volume routes over `VolumeService` (moby's `volume/service`).
extension VolumeService: VolumeBackend {
    public func volumeList(filters: Filters) async throws -> VolumeListResponse {
        try filters.validate(allowed: ["dangling", "driver", "label", "name"])
        return list(filters)
    }

    /// Every volume with its size and number of users (`docker system df`).
    func diskUsage() -> [Volume] {
        let volumes = list(Filters()).volumes ?? []
        return volumes.map { volume in
            var volume = volume
            let name = volume.name ?? ""
            volume.usageData = Volume.UsageData(size: Self.size(dataPath(name)),
                                                refCount: Int64(lock.withLock { usersLocked(name).count }))
            return volume
        }
    }

    func list(_ filters: Filters) -> VolumeListResponse {
        lock.withLock {
            let volumes = all().filter { meta in
                if case let names = filters.values("name"), !names.isEmpty, !names.contains(where: { meta.name.contains($0) }) { return false }
                if case let drivers = filters.values("driver"), !drivers.isEmpty, !drivers.contains("local") { return false }
                if !filters.matchLabels(meta.labels) { return false }
                if let dangling = filters.values("dangling").first {
                    let wanted = dangling == "true" || dangling == "1"
                    if usersLocked(meta.name).isEmpty != wanted { return false }
                }
                return true
            }.map(describe)
            return VolumeListResponse(volumes: volumes, warnings: [])
        }
    }

    public func volumeCreate(_ options: VolumeCreateOptions) async throws -> Volume {
        try create(options)
    }

    func create(_ options: VolumeCreateOptions) throws -> Volume {
        try lock.withLock {
            describe(try createLocked(name: options.name, driver: options.driver, options: options.driverOpts ?? [:],
                                      labels: options.labels ?? [:]))
        }
    }

    public func volumeInspect(_ name: String) async throws -> Volume {
        try inspect(name)
    }

    func inspect(_ name: String) throws -> Volume {
        try lock.withLock {
            guard let meta = meta(name) else { throw BerthError.notFound("get \(name): no such volume") }
            return describe(meta)
        }
    }

    public func volumeRemove(_ name: String, force: Bool) async throws {
        try remove(name, force: force)
    }

    func remove(_ name: String, force: Bool) throws {
        try lock.withLock { try removeLocked(name, force: force) }
    }

    /// docker 23+: prune removes unused anonymous volumes, or every unused
    /// volume with the filter `all=true`.
    public func volumesPrune(filters: Filters) async throws -> VolumePruneResponse {
        try filters.validate(allowed: ["all", "label", "label!"])
        return prune(filters)
    }

    func prune(_ filters: Filters) -> VolumePruneResponse {
        let everything = filters.values("all").contains { $0 == "true" || $0 == "1" }
        return lock.withLock {
            var deleted: [String] = []
            var reclaimed: Int64 = 0
            for meta in all() where usersLocked(meta.name).isEmpty && filters.matchLabels(meta.labels) {
                if !everything && meta.labels["com.docker.volume.anonymous"] == nil { continue }
                let size = Self.size(dataPath(meta.name))
                if (try? removeLocked(meta.name, force: false)) != nil {
                    deleted.append(meta.name)
                    reclaimed += size
                }
            }
            events?.publish(type: "volume", action: "prune", id: "", attributes: ["reclaimed": String(reclaimed)])
            return VolumePruneResponse(volumesDeleted: deleted, spaceReclaimed: reclaimed)
        }
    }

    static func size(_ path: String) -> Int64 {
        guard let paths = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return 0 }
        var total: Int64 = 0
        for next in paths {
            var info = stat()
            if lstat(path + "/" + next, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                total += Int64(info.st_size)
            }
        }
        return total
    }
}
