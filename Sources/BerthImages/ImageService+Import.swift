// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
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
    /// `docker import FILE [REF]`: a root filesystem tarball (plain, gzip
    /// or zstd) becomes a one-layer image for this host's platform, its
    /// history saying where it came from (moby daemon/images/image_import.go).
    /// The tarball is kept as the layer blob, as given.
    public func importRootfs(from path: String, reference: String? = nil, message: String? = nil,
                             changes config: ContainerConfig? = nil) async throws -> StoredImage {
        let names = try reference.map { [try Reference(parsing: $0).withDefaultTag.description] } ?? []
        if let reference, try Reference(parsing: reference).digest != nil {
            throw BerthError.invalidArgument("import: \(reference) has a digest; give a name and tag")
        }
        let file = try step("open \(path)") { try FileDescriptor.open(path, O_RDONLY) }
        let size = Int64(try file.stat().st_size)
        let region = FileRegion(fd: file.raw, path: path, offset: 0, size: size)
        return try await withLease("import") { lease in
            let (layer, chainID) = try await ingestLayer(region, expected: nil, diffID: nil, parent: nil, oci: false,
                                                         what: "import \(path)", lease: lease)
            guard let diffID = try store.snapshotter.stat(chainID.description).labels[Labels.diffID].flatMap({ try? Digest(parsing: $0) }) else {
                throw BerthError.internalError("import \(path): the layer snapshot has no diff ID")
            }
            let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            let platform = Platform.current
            var imageConfig = ImageConfig(architecture: platform.architecture, os: platform.os, variant: platform.variant,
                                          config: config, rootfs: .init(diffIDs: [diffID]),
                                          history: [.init(created: now, createdBy: "", comment: message ?? "Imported from \(path)")],
                                          created: now)
            imageConfig.created = now
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let bytes = Array(try encoder.encode(imageConfig))
            return try record(configBytes: bytes, config: imageConfig, layers: [layer], top: chainID, names: names, lease: lease)
        }
    }
}
