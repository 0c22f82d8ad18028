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
    /// `docker save`: writes `images` (names or IDs) as one tar that is
    /// both a docker archive (manifest.json, repositories) and an OCI image
    /// layout (oci-layout, index.json, blobs/sha256/…), as docker 25+ does.
    /// Layers are the blobs as pulled (compressed): `docker load` and berth
    /// decompress them, and the manifests keep their registry digests.
    ///
    /// `path` nil writes to `fd` (stdout); else the archive is written to
    /// a temporary name beside `path` and renamed over it when complete.
    public func save(_ images: [String], to path: String?, fd: Int32 = STDOUT_FILENO) throws {
        guard !images.isEmpty else { throw BerthError.invalidArgument("save needs at least one image") }
        var selected: [(StoredImage, [String])] = []
        for name in images {
            let image = try image(name)
            var tags: [String] = []
            if try record(named: name)?.labels[Labels.imageID] == image.id.description, let ref = try? Reference(parsing: name),
               ref.digest == nil {
                tags = [ref.withDefaultTag.familiarString]
            }
            if let index = selected.firstIndex(where: { $0.0.id == image.id }) {
                selected[index].1 += tags
            } else {
                selected.append((image, tags))
            }
        }
        guard let path else { return try write(selected, fd: fd, path: "stdout") }
        let temporary = path + ".berth-tmp"
        let out = try step("create \(temporary)") { try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644) }
        do {
            try write(selected, fd: out.raw, path: temporary)
            try step("save \(path)") {
                try out.sync(temporary)
                try sys("rename", path) { rename(temporary, path) }
                let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
                try FileDescriptor.open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY).sync(directory)
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private func write(_ images: [(StoredImage, [String])], fd: Int32, path: String) throws {
        let tar = TarWriter(fd: fd, path: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try tar.directory("blobs")
        try tar.directory("blobs/sha256")
        var written = Set<Digest>()
        func blob(_ digest: Digest) throws -> String {
            let name = "blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
            guard written.insert(digest).inserted else { return name }
            let reader = try store.content.open(digest)
            try tar.file(name, size: reader.size) { emit in
                try FileRegion(fd: reader.fd.raw, path: store.content.path(digest), offset: 0, size: reader.size).forEachChunk(emit)
            }
            return name
        }
        struct DockerEntry: Encodable {
            var Config: String
            var RepoTags: [String]?
            var Layers: [String]
        }
        var entries: [DockerEntry] = []
        var indexManifests: [Descriptor] = []
        var repositories: [String: [String: String]] = [:]
        for (image, tags) in images {
            let layers = try image.manifest.layers.map { try blob($0.digest) }
            let config = try blob(image.id)
            _ = try blob(image.manifestDescriptor.digest)
            entries.append(DockerEntry(Config: config, RepoTags: tags.isEmpty ? nil : tags, Layers: layers))
            var descriptor = Descriptor(mediaType: image.manifestDescriptor.mediaType, digest: image.manifestDescriptor.digest,
                                        size: image.manifestDescriptor.size)
            if tags.isEmpty { indexManifests.append(descriptor) }
            for tag in tags {
                let ref = try Reference(parsing: tag)
                descriptor.annotations = ["io.containerd.image.name": ref.description,
                                          "org.opencontainers.image.ref.name": ref.tag ?? Reference.defaultTag]
                indexManifests.append(descriptor)
                repositories[ref.familiarName, default: [:]][ref.tag ?? Reference.defaultTag] = image.manifest.layers.last?.digest.hex ?? image.id.hex
            }
        }
        try tar.file("index.json", Array(try encoder.encode(ImageIndex(manifests: indexManifests))))
        try tar.file("manifest.json", Array(try encoder.encode(entries)))
        try tar.file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        if !repositories.isEmpty { try tar.file("repositories", Array(try encoder.encode(repositories))) }
        try tar.finish()
    }
}
