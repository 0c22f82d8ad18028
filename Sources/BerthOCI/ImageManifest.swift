import BerthSystem
import FoundationEssentials

/// An image manifest: OCI image-spec manifest.md, which has the same shape as
/// Docker's schema2 manifest (`application/vnd.docker.distribution.manifest.v2+json`).
public struct ImageManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var artifactType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(mediaType: String = MediaType.ociManifest, config: Descriptor, layers: [Descriptor],
                annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}

/// A manifest as fetched from a registry or a content store: either an image
/// manifest or an index, told apart by media type (the Content-Type header or
/// the document's own `mediaType`) and, failing both, by its fields, as
/// containerd's remotes do.
public enum Manifest: Hashable, Sendable {
    case image(ImageManifest)
    case index(ImageIndex)

    /// Media types a registry is asked for (the Accept header of a pull).
    public static let acceptedMediaTypes = [
        MediaType.ociIndex, MediaType.ociManifest,
        MediaType.dockerManifestList, MediaType.dockerManifest,
    ]

    static let schema1MediaTypes = [
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    ]

    /// Decodes `data`; `mediaType` is the Content-Type the registry sent, if any.
    public init(decoding data: Data, mediaType: String? = nil) throws {
        struct Probe: Decodable {
            var schemaVersion: Int?
            var mediaType: String?
            var manifests: [Descriptor]?
            var layers: [Descriptor]?
            var fsLayers: [FSLayer]?
            struct FSLayer: Decodable {}
        }
        let probe: Probe
        do { probe = try JSONDecoder().decode(Probe.self, from: data) } catch {
            throw BerthError.invalidArgument("manifest is not valid JSON", cause: error)
        }
        let declared = [mediaType, probe.mediaType].compactMap { $0 }
            .map { String($0.split(separator: ";").first ?? "").filter { $0 != " " } }
            .first { $0 != "application/json" && $0 != "text/plain" && !$0.isEmpty }
        if probe.schemaVersion == 1 || probe.fsLayers != nil || declared.map(Self.schema1MediaTypes.contains) == true {
            throw BerthError(.notImplemented, "schema1 manifests are not supported: Docker deprecated them; push the image again with a current client")
        }
        let isIndex: Bool
        switch declared {
        case MediaType.ociIndex, MediaType.dockerManifestList: isIndex = true
        case MediaType.ociManifest, MediaType.dockerManifest: isIndex = false
        case nil: isIndex = probe.manifests != nil && probe.layers == nil
        case let other?:
            // Artifacts with an unknown media type still decode by shape.
            if probe.manifests == nil && probe.layers == nil {
                throw BerthError.invalidArgument("unsupported manifest media type \"\(other)\"")
            }
            isIndex = probe.manifests != nil
        }
        do {
            if isIndex { self = .index(try JSONDecoder().decode(ImageIndex.self, from: data)) }
            else { self = .image(try JSONDecoder().decode(ImageManifest.self, from: data)) }
        } catch {
            let what = isIndex ? "invalid image index" : "invalid image manifest"
            // A DecodingError is told by field; other errors (a bad digest) speak for themselves.
            if error is DecodingError { throw BerthError.invalidArgument("\(what): \(Self.describe(error))") }
            throw BerthError.invalidArgument(what, cause: error)
        }
    }

    /// The media type this manifest declares (or the OCI one when it has none).
    public var mediaType: String {
        switch self {
        case .image(let m): return m.mediaType ?? MediaType.ociManifest
        case .index(let i): return i.mediaType ?? MediaType.ociIndex
        }
    }

    /// Names the field a DecodingError is about, for messages.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ c: [any CodingKey]) -> String { c.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let ctx): return "missing field \"\(path(ctx.codingPath + [key]))\""
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "field \"\(path(ctx.codingPath))\" has the wrong type"
        case .dataCorrupted(let ctx): return "field \"\(path(ctx.codingPath))\": \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension MediaType {
    /// True for the two index media types.
    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }
    /// True for the two image manifest media types.
    public static func isManifest(_ type: String) -> Bool { type == ociManifest || type == dockerManifest }
}
