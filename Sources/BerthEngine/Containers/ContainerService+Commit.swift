import BerthAPIModel
import BerthImages
import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `docker commit` (moby's daemon/commit.go): the container's writable
/// layer becomes a new layer on its image, read while the container is
/// paused (unless `pause=false`); the new image's config is the
/// container's, with `--change` instructions and the request's config
/// over it.
extension ContainerService {
    func commit(_ name: String, options: CommitOptions) async throws -> IDResponse {
        let record = try lookup(name)
        var names: [String] = []
        if let repo = options.repo, !repo.isEmpty {
            let tag = options.tag.flatMap { $0.isEmpty ? nil : $0 }
            names = [tag.map { "\(repo):\($0)" } ?? repo]
            do { _ = try Reference(parsing: names[0]) } catch {
                throw BerthError.invalidArgument("invalid reference format: \(names[0])")
            }
        }
        var config = try Self.imageConfig(of: record.config)
        if let changes = try ImportChanges.config(options.changes) { Self.overlay(&config, with: changes) }
        if let requested = options.config { Self.overlay(&config, with: try Self.imageConfig(of: requested)) }

        var history = ImageConfig.History()
        history.createdBy = ([record.path] + record.args).joined(separator: " ")
        if let comment = options.comment, !comment.isEmpty { history.comment = comment }
        if let author = options.author, !author.isEmpty { history.author = author }
        let change = ImageCommit(config: config, history: history, author: options.author.flatMap { $0.isEmpty ? nil : $0 },
                                 names: names)

        // Pause while the layer is read, as docker does, so it is consistent.
        let pause = options.pause && record.status == .running
        if pause { try await self.pause(record.id) }
        do {
            let id = try await images.commitRootfs(key: "container-\(record.id)", imageID: record.imageID, change)
            if pause { try? await unpause(record.id) }
            emit("commit", records[record.id] ?? record, extra: ["comment": options.comment ?? ""])
            return IDResponse(id: id)
        } catch {
            if pause { try? await unpause(record.id) }
            throw error
        }
    }

    /// The API's container config as an image's (the keys are docker's in both).
    static func imageConfig(of config: BerthAPIModel.ContainerConfig) throws -> BerthOCI.ContainerConfig {
        try JSONDecoder().decode(BerthOCI.ContainerConfig.self, from: JSONEncoder().encode(config))
    }

    /// moby's `merge`: fields `top` sets replace `base`'s; Env is merged by
    /// name; labels, ports and volumes are added to.
    static func overlay(_ base: inout BerthOCI.ContainerConfig, with top: BerthOCI.ContainerConfig) {
        if let user = top.user, !user.isEmpty { base.user = user }
        if let cmd = top.cmd { base.cmd = cmd }
        if let entrypoint = top.entrypoint { base.entrypoint = entrypoint }
        if let dir = top.workingDir, !dir.isEmpty { base.workingDir = dir }
        if let signal = top.stopSignal, !signal.isEmpty { base.stopSignal = signal }
        if let health = top.healthcheck { base.healthcheck = health }
        if let shell = top.shell { base.shell = shell }
        if let env = top.env {
            var merged = base.env ?? []
            for entry in env {
                let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
                if let index = merged.firstIndex(where: { $0 == key || $0.hasPrefix(key + "=") }) {
                    merged[index] = entry
                } else {
                    merged.append(entry)
                }
            }
            base.env = merged
        }
        if let labels = top.labels { base.labels = (base.labels ?? [:]).merging(labels) { $1 } }
        if let ports = top.exposedPorts { base.exposedPorts = (base.exposedPorts ?? [:]).merging(ports) { $1 } }
        if let volumes = top.volumes { base.volumes = (base.volumes ?? [:]).merging(volumes) { $1 } }
    }
}
