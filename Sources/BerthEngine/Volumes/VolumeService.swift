import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The local volume driver (moby's `volume/local`): each volume is a
/// directory `<data-root>/volumes/<name>/_data` with its options beside it
/// in `opts.json`; driver options type/device/o mount a filesystem there
/// (tmpfs, bind, …) while a container uses it. Which container uses which
/// volume is kept in `<data-root>/volumes/mounts.json`, so "in use" holds
/// for stopped containers too, as in docker. dockerd's volume events
/// (create, mount, unmount, destroy, prune) go to `events`.
public final class VolumeService: @unchecked Sendable {
    struct Meta: Codable {
        var name: String
        var created: String
        var labels: [String: String]
        var options: [String: String]
        /// Nothing has been copied in from an image yet (copy-up pending).
        var fresh: Bool
    }

    /// One mount of a container, resolved at create.
    struct MountSpec: Codable {
        enum Kind: String, Codable { case volume, bind, tmpfs }
        var kind: Kind
        /// Volume name or host path.
        var source: String
        var destination: String
        var readOnly: Bool
        var options: [String] = []
        var noCopy = false
    }

    let root: String
    let events: EventBus?
    let lock = Lock()
    var usage: [String: [MountSpec]]
    /// Containers currently running with a mounted-on-use volume.
    var active: [String: Set<String>] = [:]

    public init(dataRoot: String, events: EventBus? = nil) throws {
        root = dataRoot + "/volumes"
        self.events = events
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if let data = FileManager.default.contents(atPath: root + "/mounts.json") {
            usage = try JSONDecoder().decode([String: [MountSpec]].self, from: data)
        } else {
            usage = [:]
        }
    }

    func directory(_ name: String) -> String { "\(root)/\(name)" }
    func dataPath(_ name: String) -> String { "\(root)/\(name)/_data" }

    func meta(_ name: String) -> Meta? {
        guard !name.contains("/"), let data = FileManager.default.contents(atPath: directory(name) + "/opts.json") else { return nil }
        return try? JSONDecoder().decode(Meta.self, from: data)
    }

    func write(_ meta: Meta) throws {
        try DurableFile.write(directory(meta.name) + "/opts.json", Array(JSONEncoder().encode(meta)), mode: 0o600)
    }

    func saveUsage() throws {
        try DurableFile.write(root + "/mounts.json", Array(JSONEncoder().encode(usage)), mode: 0o600)
    }

    /// moby's volume name rule.
    static func validName(_ name: String) -> Bool {
        ContainerService.validName(name) || (name.count == 1 && name.first!.isLetter)
    }

    /// Creates the volume, or returns the existing one (docker's create is idempotent).
    @discardableResult
    func createLocked(name: String?, driver: String?, options: [String: String], labels: [String: String]) throws -> Meta {
        let driver = driver.flatMap { $0.isEmpty ? nil : $0 } ?? "local"
        guard driver == "local" else {
            throw BerthError.notFound("error looking up volume plugin \(driver): plugin \"\(driver)\" not found")
        }
        let name = name.flatMap { $0.isEmpty ? nil : $0 } ?? hex((0..<32).map { _ in UInt8.random(in: 0...255) })
        guard Self.validName(name) else {
            throw BerthError.invalidArgument("create \(name): \"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")
        }
        if let existing = meta(name) { return existing }
        let known: Set<String> = ["type", "device", "o", "size"]
        if let bad = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw BerthError.invalidArgument("create \(name): invalid option: \"\(bad)\"")
        }
        if options["type"] != nil && options["device"] == nil {
            throw BerthError.invalidArgument("create \(name): missing required option: \"device\"")
        }
        try FileManager.default.createDirectory(atPath: dataPath(name), withIntermediateDirectories: true)
        let meta = Meta(name: name, created: Timestamp.now(), labels: labels, options: options, fresh: true)
        try write(meta)
        emit("create", name)
        return meta
    }

    func describe(_ meta: Meta) -> Volume {
        var volume = Volume()
        volume.name = meta.name
        volume.driver = "local"
        volume.mountpoint = dataPath(meta.name)
        volume.createdAt = meta.created
        volume.labels = meta.labels
        volume.scope = "local"
        volume.options = meta.options
        return volume
    }

    func all() -> [Meta] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap(meta)
    }

    /// Containers (by ID) whose mounts name the volume.
    func usersLocked(_ name: String) -> [String] {
        usage.filter { $0.value.contains { $0.kind == .volume && $0.source == name } }.map(\.key).sorted()
    }

    func removeLocked(_ name: String, force: Bool) throws {
        guard meta(name) != nil else {
            if force { return }
            throw BerthError.notFound("get \(name): no such volume")
        }
        let users = usersLocked(name)
        if !users.isEmpty {
            throw BerthError.conflict("remove \(name): volume is in use - [\(users.joined(separator: ", "))]")
        }
        unmountIfMounted(name)
        try FileManager.default.removeItem(atPath: directory(name))
        emit("destroy", name)
    }

    /// moby's `LogVolumeEvent`: the volume's name and its `driver`.
    func emit(_ action: String, _ name: String, _ extra: [String: String] = [:]) {
        guard let events else { return }
        events.publish(type: "volume", action: action, id: name, attributes: extra.merging(["driver": "local"]) { a, _ in a })
    }

    func unmountIfMounted(_ name: String) {
        let path = dataPath(name)
        // Stacked mounts: take them all off.
        while ProcFile.isMountPoint(path) {
            if umount2(path, 0) != 0 && umount2(path, Int32(MNT_DETACH)) != 0 { break }
        }
    }
}
