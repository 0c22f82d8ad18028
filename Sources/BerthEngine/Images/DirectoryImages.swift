import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Images that are directories: `<root>/<name>/rootfs` and
/// `<root>/<name>/config.json` (an OCI image config), with `name` the image
/// reference where ":" and "/" are written "_" ("busybox_latest"). Each is
/// imported once into a committed overlay snapshot of the real
/// `Snapshotter`; a container's rootfs is an active snapshot on top of it,
/// so containers really run on overlayfs. The ID is the sha256 of the
/// config file, as for a registry image.
public final class DirectoryImages: ContainerImages, @unchecked Sendable {
    public let root: String
    let store: Store
    private let lock = Lock()

    public init(root: String, store: Store) {
        self.root = root
        self.store = store
    }

    struct Entry {
        var directory: String
        var name: String
        var id: String
        var config: BerthOCI.ImageConfig
    }

    /// Every image under `root`.
    func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { directory in
            let path = "\(root)/\(directory)"
            guard let data = FileManager.default.contents(atPath: path + "/config.json"),
                  let config = try? JSONDecoder().decode(BerthOCI.ImageConfig.self, from: data) else { return nil }
            let id = "sha256:" + hex(SHA256.hash(data: data))
            return Entry(directory: path, name: Self.reference(directory), id: id, config: config)
        }
    }

    /// "busybox_latest" → "busybox:latest"; "registry_5000_app_v1" cannot be
    /// told apart, so the directory may also hold a `name` file.
    static func reference(_ directory: String) -> String {
        guard let last = directory.lastIndex(of: "_") else { return directory + ":latest" }
        return directory[..<last].replacing("_", with: "/") + ":" + directory[directory.index(after: last)...]
    }

    public func resolve(_ name: String) async throws -> ResolvedImage {
        let wanted = Self.normalize(name)
        let bare = name.hasPrefix("sha256:") ? String(name.dropFirst(7)) : name
        for entry in entries() {
            if entry.name == wanted || entry.id == name || (bare.count >= 4 && entry.id.dropFirst(7).hasPrefix(bare)) {
                return ResolvedImage(id: entry.id, name: entry.name, config: entry.config)
            }
        }
        throw BerthError.notFound("No such image: \(name)")
    }

    /// docker.io/library/busybox → busybox:latest (the names the CLI sends).
    static func normalize(_ name: String) -> String {
        var n = name
        for prefix in ["docker.io/library/", "docker.io/", "index.docker.io/library/"] where n.hasPrefix(prefix) {
            n = String(n.dropFirst(prefix.count))
        }
        if let at = n.firstIndex(of: "@") { n = String(n[..<at]) }
        let lastSlash = n.lastIndex(of: "/") ?? n.startIndex
        if !n[lastSlash...].contains(":") { n += ":latest" }
        return n
    }

    public func prepareRootfs(key: String, imageID: String) async throws -> [BerthStore.Mount] {
        guard let entry = entries().first(where: { $0.id == imageID }) else {
            throw BerthError.notFound("No such image: \(imageID)")
        }
        let layer = "dirimage-" + imageID.dropFirst(7)
        try await importLayer(entry, as: layer)
        return try lock.withLock { try store.snapshotter.prepare(key, parent: layer) }
    }

    public func commitRootfs(key: String, imageID: String, _ change: ImageCommit) async throws -> String {
        throw BerthError(.notImplemented, "commit needs the image store; directory images cannot be committed")
    }

    public func removeRootfs(key: String) async throws {
        do {
            try lock.withLock { try store.snapshotter.remove(key) }
        } catch let error as BerthError where error.code == .notFound {}
    }

    /// Copies the directory into a committed snapshot, once (`cp -a` keeps
    /// owners, modes, symlinks and device nodes).
    private func importLayer(_ entry: Entry, as layer: String) async throws {
        if (try? store.snapshotter.stat(layer)) != nil { return }
        let key = "import-\(layer)-\(UUID().uuidString.prefix(8))"
        let mounts = try lock.withLock { try store.snapshotter.prepare(key) }
        guard let fs = mounts.first?.source else { throw BerthError.internalError("snapshot \(key) has no directory") }
        let copy = try await Spawn.run(["/bin/cp", "-a", entry.directory + "/rootfs/.", fs + "/"])
        guard copy.status == 0 else {
            try? store.snapshotter.remove(key)
            throw BerthError.internalError("import image \(entry.name): cp: \(copy.stderrText)")
        }
        try lock.withLock {
            if (try? store.snapshotter.stat(layer)) != nil { try? store.snapshotter.remove(key); return }
            try store.snapshotter.commit(name: layer, key: key)
        }
    }
}

/// Lower-case hex of a digest.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
