import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension ImageService {
    /// `docker load`: reads a docker archive (manifest.json with Config,
    /// RepoTags, Layers — what `docker save` of any version writes) or an
    /// OCI image layout (oci-layout, index.json, blobs/) from the tar at
    /// `path`, and returns docker's lines ("Loaded image: busybox:latest",
    /// "Loaded image ID: sha256:…"); `loaded` is told each image loaded
    /// (the daemon's `load` events).
    ///
    /// Nothing is extracted as files: members are read at their offsets.
    /// Every blob is verified against its digest and every layer against
    /// its config diff ID before anything is named; on any error the
    /// operation's blobs and snapshots are collected and no image appears.
    public func load(from path: String, loaded: (StoredImage) -> Void = { _ in }) async throws -> [String] {
        let file = try step("open \(path)") { try FileDescriptor.open(path, O_RDONLY) }
        let index = try TarIndex(path: path, fd: file.raw)
        let images = try await withLease("load") { lease in
            if index.entries["manifest.json"] != nil {
                return try await loadDocker(index, fd: file.raw, lease: lease)
            }
            if index.entries["index.json"] != nil, index.entries["oci-layout"] != nil {
                return try await loadOCI(index, fd: file.raw, lease: lease)
            }
            throw BerthError.invalidArgument("\(path) is neither a docker archive (no manifest.json) nor an OCI image layout (no index.json and oci-layout)")
        }
        for (image, _) in images { loaded(image) }
        return Self.loadedLines(images)
    }

    private struct DockerEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    private func loadDocker(_ index: TarIndex, fd: Int32, lease: String) async throws -> [(StoredImage, [String])] {
        let bytes = try index.read(try index.file("manifest.json", what: "manifest.json"), fd: fd, limit: 4 << 20)
        let entries: [DockerEntry]
        do { entries = try JSONDecoder().decode([DockerEntry].self, from: Data(bytes)) } catch {
            throw BerthError.invalidArgument("manifest.json in \(index.path) is malformed: \(Manifest.describe(error))", cause: error)
        }
        guard !entries.isEmpty else { throw BerthError.invalidArgument("manifest.json in \(index.path) lists no images") }
        var loaded: [(StoredImage, [String])] = []
        for (n, entry) in entries.enumerated() {
            let what = "manifest.json entry \(n)"
            let configEntry = try index.file(entry.Config, what: "\(what): Config")
            let configBytes = try index.read(configEntry, fd: fd)
            let configDigest = DigestHasher.digest(of: configBytes)
            if let named = Self.digestInName(entry.Config), named != configDigest {
                throw BerthError.invalidArgument("\(what): config \(entry.Config) does not match its digest (it hashes to \(configDigest))")
            }
            let config = try Self.decodeConfig(configBytes, what: "\(what): config \(entry.Config)")
            guard config.rootfs.diffIDs.count == entry.Layers.count else {
                throw BerthError.invalidArgument("\(what): \(entry.Layers.count) layers but its config lists \(config.rootfs.diffIDs.count) diff IDs")
            }
            let names = try (entry.RepoTags ?? []).map { tag -> String in
                do { return try Reference(parsing: tag).withDefaultTag.description } catch {
                    throw BerthError.invalidArgument("\(what): RepoTags entry \"\(tag)\" is not a valid reference", cause: error)
                }
            }
            var layers: [Descriptor] = []
            var parent: Digest?
            for (i, layerPath) in entry.Layers.enumerated() {
                let member = try index.file(layerPath, what: "\(what): layer")
                let region = FileRegion(fd: fd, path: index.path, offset: member.offset, size: member.size)
                let (descriptor, chainID) = try await ingestLayer(region, expected: Self.digestInName(layerPath),
                                                                  diffID: config.rootfs.diffIDs[i], parent: parent, oci: false,
                                                                  what: "\(what): layer \(layerPath)", lease: lease)
                layers.append(descriptor)
                parent = chainID
            }
            loaded.append((try record(configBytes: configBytes, config: config, layers: layers, top: parent, names: names, lease: lease), entry.RepoTags ?? []))
        }
        return loaded
    }

    private func loadOCI(_ index: TarIndex, fd: Int32, lease: String) async throws -> [(StoredImage, [String])] {
        let bytes = try index.read(try index.file("index.json", what: "index.json"), fd: fd, limit: 4 << 20)
        let top: ImageIndex
        do { top = try JSONDecoder().decode(ImageIndex.self, from: Data(bytes)) } catch {
            throw BerthError.invalidArgument("index.json in \(index.path) is malformed: \(Manifest.describe(error))", cause: error)
        }
        var loaded: [(StoredImage, [String])] = []
        for var descriptor in top.manifests {
            let annotations = descriptor.annotations ?? [:]
            var manifestBytes = try blob(descriptor, index: index, fd: fd, what: "index.json manifest")
            if MediaType.isIndex(descriptor.mediaType) {
                // A multi-platform image: this host's manifest, as docker load.
                let nested = try JSONDecoder().decode(ImageIndex.self, from: Data(manifestBytes))
                guard let chosen = PlatformMatcher.host.best(of: nested.manifests) else {
                    throw BerthError.notFound("\(index.path): the index \(descriptor.digest) has no manifest for this platform")
                }
                descriptor = chosen
                manifestBytes = try blob(descriptor, index: index, fd: fd, what: "manifest")
            }
            let manifest: ImageManifest
            do { manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(manifestBytes)) } catch {
                throw BerthError.invalidArgument("manifest \(descriptor.digest) in \(index.path) is malformed: \(Manifest.describe(error))", cause: error)
            }
            let configBytes = try blob(manifest.config, index: index, fd: fd, what: "config")
            let config = try Self.decodeConfig(configBytes, what: "config \(manifest.config.digest)")
            guard config.rootfs.diffIDs.count == manifest.layers.count else {
                throw BerthError.invalidArgument("manifest \(descriptor.digest): \(manifest.layers.count) layers but its config lists \(config.rootfs.diffIDs.count) diff IDs")
            }
            var parent: Digest?
            for (i, layer) in manifest.layers.enumerated() {
                let name = "blobs/\(layer.digest.algorithm.rawValue)/\(layer.digest.hex)"
                let member = try index.file(name, what: "layer")
                guard member.size == layer.size else {
                    throw BerthError.invalidArgument("layer \(name) is \(member.size) bytes, its manifest says \(layer.size)")
                }
                let region = FileRegion(fd: fd, path: index.path, offset: member.offset, size: member.size)
                let (_, chainID) = try await ingestLayer(region, expected: layer.digest, diffID: config.rootfs.diffIDs[i], parent: parent,
                                                         oci: true, mediaType: layer.mediaType, what: "layer \(name)", lease: lease)
                parent = chainID
            }
            // Keep the manifest as it was (its digest is what registries know).
            try store.metadata.addLeaseResource(lease, .content(descriptor.digest))
            try store.metadata.addLeaseResource(lease, .content(manifest.config.digest))
            try store.content.write(configBytes, mediaType: manifest.config.mediaType, expected: manifest.config.digest)
            try store.content.write(manifestBytes, mediaType: descriptor.mediaType, expected: descriptor.digest)
            var names: [String] = []
            if let full = annotations["io.containerd.image.name"], let ref = try? Reference(parsing: full) {
                names.append(ref.withDefaultTag.description)
            } else if let name = annotations["org.opencontainers.image.ref.name"], name.contains("/") || name.contains(":"),
                      let ref = try? Reference(parsing: name) {
                names.append(ref.withDefaultTag.description)
            }
            let record = (id: manifest.config.digest, manifest: Descriptor(mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size),
                          layers: manifest.layers, top: parent)
            try records.withLock {
                if names.isEmpty, try self.names(of: record.id).isEmpty { try setName(record.id.description, to: record) }
                for name in names { try setName(name, to: record) }
            }
            loaded.append((try image(record.id.description), names.compactMap { try? Reference(parsing: $0).familiarString }))
        }
        return loaded
    }

    /// A blob of the layout, verified against its descriptor.
    private func blob(_ descriptor: Descriptor, index: TarIndex, fd: Int32, what: String) throws -> [UInt8] {
        let name = "blobs/\(descriptor.digest.algorithm.rawValue)/\(descriptor.digest.hex)"
        let bytes = try index.read(try index.file(name, what: what), fd: fd, limit: 16 << 20)
        let actual = DigestHasher.digest(of: bytes, descriptor.digest.algorithm)
        guard actual == descriptor.digest else {
            throw BerthError.invalidArgument("\(what) \(name) in \(index.path) does not match its digest (it hashes to \(actual))")
        }
        return bytes
    }

    static func decodeConfig(_ bytes: [UInt8], what: String) throws -> ImageConfig {
        do { return try JSONDecoder().decode(ImageConfig.self, from: Data(bytes)) } catch {
            throw BerthError.invalidArgument("\(what) is not a valid image config: \(Manifest.describe(error))", cause: error)
        }
    }

    /// `blobs/sha256/HEX`, `HEX.json` or `HEX/layer.tar`-free names carry
    /// their digest; old `ID/layer.tar` names do not.
    static func digestInName(_ path: String) -> Digest? {
        let parts = path.split(separator: "/")
        if parts.count >= 2, let algorithm = Digest.Algorithm(rawValue: String(parts[parts.count - 2])) {
            return try? Digest(algorithm: algorithm, hex: String(parts[parts.count - 1]))
        }
        if let last = parts.last, last.hasSuffix(".json") { return try? Digest(algorithm: .sha256, hex: String(last.dropLast(5))) }
        return nil
    }

    private static func loadedLines(_ loaded: [(StoredImage, [String])]) -> [String] {
        loaded.flatMap { image, tags in
            tags.isEmpty ? ["Loaded image ID: \(image.id)"] : tags.map { "Loaded image: \((try? Reference(parsing: $0).withDefaultTag.familiarString) ?? $0)" }
        }
    }
}
