import AsyncHTTPClient
import BerthOCI
import BerthSystem
import Crypto
import FoundationEssentials
import NIOCore
import NIOHTTP1

/// A manifest as the registry served it: the exact bytes (their digest is
/// the manifest's identity), the descriptor, and the decoded document.
public struct FetchedManifest: Sendable {
    public var descriptor: Descriptor
    public var bytes: [UInt8]
    public var manifest: Manifest
}

/// A reference resolved for one platform: the index it came through (if
/// any), the image manifest, and the config blob's bytes.
public struct ResolvedImage: Sendable {
    public var index: FetchedManifest?
    public var manifest: FetchedManifest
    public var image: ImageManifest
    public var configBytes: [UInt8]
    public var config: ImageConfig
}

extension RegistryClient {
    /// Manifests larger than this are refused (containerd's limit is 4 MiB).
    public static let maxManifestSize = 4 << 20

    static var manifestAccept: HTTPHeaders {
        ["Accept": Manifest.acceptedMediaTypes.joined(separator: ", ")]
    }

    /// The descriptor of what `ref` names now: HEAD on the manifest, with a
    /// GET when the registry does not send Docker-Content-Digest (as
    /// containerd's resolver).
    public func resolve(_ ref: Reference) async throws -> Descriptor {
        let path = "/v2/\(ref.path)/manifests/\(ref.tagOrDigest)"
        let request = RegistryRequest(method: .HEAD, domain: ref.domain, path: path, headers: Self.manifestAccept,
                                      scopes: [Self.pullScope(ref)], operation: .pull(ref))
        let response = try await send(request)
        guard response.status == HTTPResponseStatus.ok else {
            // HEAD has no body: GET for the registry's error text.
            if response.status.code >= 400 { return try await fetchManifest(ref).descriptor }
            throw await failure(response, .pull(ref), url: path)
        }
        let type = response.headers.first(name: "Content-Type").map(Self.mediaType)
        if let digestText = response.headers.first(name: "Docker-Content-Digest") ?? ref.digest?.description,
           let digest = try? BerthOCI.Digest(parsing: digestText),
           let size = response.headers.first(name: "Content-Length").flatMap(Int64.init),
           let type, Manifest.acceptedMediaTypes.contains(type) {
            if let expected = ref.digest, expected != digest {
                throw BerthError.invalidArgument("registry answered \(digest) for \(ref.familiarString)")
            }
            return Descriptor(mediaType: type, digest: digest, size: size)
        }
        return try await fetchManifest(ref).descriptor
    }

    /// GET the manifest `ref` names and verify it: against the reference's
    /// digest when it has one, else against Docker-Content-Digest.
    public func fetchManifest(_ ref: Reference) async throws -> FetchedManifest {
        let path = "/v2/\(ref.path)/manifests/\(ref.tagOrDigest)"
        let request = RegistryRequest(method: .GET, domain: ref.domain, path: path, headers: Self.manifestAccept,
                                      scopes: [Self.pullScope(ref)], operation: .manifest(ref))
        let response = try await send(request)
        guard response.status == HTTPResponseStatus.ok else { throw await failure(response, .manifest(ref), url: path) }
        let bytes: [UInt8]
        do { bytes = Array(buffer: try await response.body.collect(upTo: Self.maxManifestSize)) } catch {
            throw BerthError.invalidArgument("manifest of \(ref.familiarString) is larger than \(Self.maxManifestSize) bytes or was cut off", cause: error)
        }
        let actual = try BerthOCI.Digest(algorithm: .sha256, hex: Self.sha256Hex(bytes))
        let claimed = response.headers.first(name: "Docker-Content-Digest").flatMap { try? BerthOCI.Digest(parsing: $0) }
        if let expected = ref.digest ?? claimed {
            let check = expected.algorithm == .sha256 ? actual : try BerthOCI.Digest(algorithm: .sha512, hex: Self.sha512Hex(bytes))
            guard check == expected else {
                throw BerthError.invalidArgument("manifest of \(ref.familiarString) has digest \(check), expected \(expected): the registry sent other content")
            }
        }
        let contentType = response.headers.first(name: "Content-Type").map(Self.mediaType)
        let manifest = try Manifest(decoding: Data(bytes), mediaType: contentType)
        let descriptor = Descriptor(mediaType: manifest.mediaType, digest: ref.digest ?? actual, size: Int64(bytes.count))
        return FetchedManifest(descriptor: descriptor, bytes: bytes, manifest: manifest)
    }

    /// GET the manifest `digest` of `repository`.
    public func fetchManifest(_ repository: Reference, digest: BerthOCI.Digest) async throws -> FetchedManifest {
        try await fetchManifest(repository.with(digest: digest))
    }

    /// Resolves `ref` to one image for `platform`: through an index to the
    /// best matching manifest (containerd's ordering), then its config.
    public func resolveImage(_ ref: Reference, platform: PlatformMatcher = .host) async throws -> ResolvedImage {
        let top = try await fetchManifest(ref)
        var index: FetchedManifest?
        var fetched = top
        if case .index(let list) = top.manifest {
            index = top
            guard let chosen = platform.best(of: list.manifests) else {
                let offered = list.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
                throw BerthError.notFound("no matching manifest for \(platform.preferences.first?.description ?? "this platform") in the manifest list entries of \(ref.familiarString) (it has: \(offered))")
            }
            fetched = try await fetchManifest(ref.repository, digest: chosen.digest)
        }
        guard case .image(let image) = fetched.manifest else {
            throw BerthError.invalidArgument("\(ref.familiarString): an index points at another index; nested indexes are not supported")
        }
        let configBytes = try await fetchBlobBytes(ref.repository, digest: image.config.digest, maxSize: Self.maxManifestSize)
        let config: ImageConfig
        do { config = try JSONDecoder().decode(ImageConfig.self, from: Data(configBytes)) } catch {
            throw BerthError.invalidArgument("image config \(image.config.digest) of \(ref.familiarString) is invalid: \(Manifest.describe(error))", cause: error)
        }
        return ResolvedImage(index: index, manifest: fetched, image: image, configBytes: configBytes, config: config)
    }

    /// Streams blob `digest` of `repository` into `sink`, starting at
    /// `offset` (HTTP Range) to resume an interrupted download. From offset
    /// 0 the bytes are hashed on the way and a mismatch throws (after the
    /// sink got them: the caller discards its copy).
    @discardableResult
    public func fetchBlob(_ repository: Reference, digest: BerthOCI.Digest, offset: Int64 = 0,
                          into sink: inout some BlobSink) async throws -> BlobFetchResult {
        let path = "/v2/\(repository.path)/blobs/\(digest)"
        var headers: HTTPHeaders = [:]
        if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
        let request = RegistryRequest(method: .GET, domain: repository.domain, path: path, headers: headers,
                                      scopes: [Self.pullScope(repository)], operation: .blob(repository, digest),
                                      timeout: .hours(24))
        let response = try await send(request)
        if offset > 0, response.status.code == 416 {
            throw BerthError.invalidArgument("cannot resume blob \(digest) at byte \(offset): the registry says the range is not satisfiable")
        }
        guard response.status == HTTPResponseStatus.ok || response.status == HTTPResponseStatus.partialContent else {
            throw await failure(response, .blob(repository, digest), url: path)
        }
        // A registry that ignores Range sends everything: skip what we have.
        var skip = response.status == HTTPResponseStatus.ok ? offset : 0
        var total = response.headers.first(name: "Content-Length").flatMap(Int64.init)
        if response.status == HTTPResponseStatus.partialContent, let range = response.headers.first(name: "Content-Range"),
           let slash = range.lastIndex(of: "/") {
            total = Int64(range[range.index(after: slash)...])
        }
        var hasher = offset == 0 ? Hasher256(digest.algorithm) : nil
        var written: Int64 = 0
        for try await buffer in response.body {
            try buffer.withUnsafeReadableBytes { raw in
                var bytes = raw
                if skip > 0 {
                    let n = Int(min(skip, Int64(bytes.count)))
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
                    skip -= Int64(n)
                }
                guard bytes.count > 0 else { return }
                hasher?.update(bytes)
                try sink.write(bytes)
                written += Int64(bytes.count)
            }
        }
        if let expected = total, response.status == HTTPResponseStatus.partialContent || offset == 0 {
            let have = response.status == HTTPResponseStatus.partialContent ? offset + written : written
            if have != expected {
                throw BerthError.unavailable("blob \(digest) was cut off after \(have) of \(expected) bytes; fetch again from offset \(have)")
            }
        }
        var verified = false
        if let hasher {
            let actual = hasher.finish()
            guard actual == digest.hex else {
                throw BerthError.invalidArgument("blob \(digest) of \(repository.familiarName) has digest \(digest.algorithm.rawValue):\(actual): the registry sent other content")
            }
            verified = true
        }
        return BlobFetchResult(bytesWritten: written, totalSize: total, verified: verified)
    }

    /// A whole small blob (a config), verified, at most `maxSize` bytes.
    public func fetchBlobBytes(_ repository: Reference, digest: BerthOCI.Digest, maxSize: Int = 16 << 20) async throws -> [UInt8] {
        var sink = LimitedMemorySink(limit: maxSize, digest: digest)
        try await fetchBlob(repository, digest: digest, into: &sink)
        return sink.bytes
    }

    /// `application/json; charset=utf-8` → `application/json`.
    static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }.filter { $0 != " " })
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }
    static func sha512Hex(_ bytes: [UInt8]) -> String { hex(SHA512.hash(data: bytes)) }
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let chars = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in digest { out.append(chars[Int(b >> 4)]); out.append(chars[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Incremental sha256/sha512 of a blob on its way to the sink.
struct Hasher256 {
    var sha256: SHA256?
    var sha512: SHA512?
    init(_ algorithm: BerthOCI.Digest.Algorithm) {
        if algorithm == .sha256 { sha256 = SHA256() } else { sha512 = SHA512() }
    }
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha256?.update(bufferPointer: bytes)
        sha512?.update(bufferPointer: bytes)
    }
    func finish() -> String {
        if let sha256 { return RegistryClient.hex(sha256.finalize()) }
        return RegistryClient.hex(sha512!.finalize())
    }
}

/// A memory sink that refuses to grow past a limit (a config must be small).
struct LimitedMemorySink: BlobSink {
    var bytes: [UInt8] = []
    let limit: Int
    let digest: BerthOCI.Digest
    init(limit: Int, digest: BerthOCI.Digest) {
        self.limit = limit
        self.digest = digest
    }
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
        guard bytes.count + chunk.count <= limit else {
            throw BerthError.invalidArgument("blob \(digest) is larger than \(limit) bytes, too large for an image config")
        }
        bytes.append(contentsOf: chunk)
    }
}
