import AsyncHTTPClient
import BerthOCI
import BerthSystem
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// The size of blob `digest` in `repository`, or nil when the registry
    /// does not have it there (HEAD /v2/NAME/blobs/DIGEST).
    public func blobExists(_ repository: Reference, digest: Digest) async throws -> Int64? {
        let path = "/v2/\(repository.path)/blobs/\(digest)"
        let request = RegistryRequest(method: .HEAD, domain: repository.domain, path: path,
                                      scopes: [Self.pushScope(repository)], push: true, operation: .push(repository))
        let response = try await send(request)
        switch response.status.code {
        case 200: return response.headers.first(name: "Content-Length").flatMap(Int64.init) ?? -1
        case 404: return nil
        default: throw await failure(response, .push(repository), url: path)
        }
    }

    /// Uploads a blob. With `chunkSize` nil it goes in one PUT (POST to open
    /// the upload, PUT ?digest= with the bytes); else in PATCHes of
    /// `chunkSize` bytes with Content-Range, then an empty PUT ?digest=.
    /// The bytes are read from `source` as they are sent, never all at once.
    public func pushBlob(_ repository: Reference, digest: Digest, size: Int64, from source: some BlobSource,
                         chunkSize: Int? = nil) async throws {
        var location = try await startUpload(repository)
        if let chunkSize {
            precondition(chunkSize > 0, "chunkSize must be positive")
            var offset: Int64 = 0
            while offset < size {
                let end = min(offset + Int64(chunkSize), size)
                let range = (offset, end)
                let request = RegistryRequest(
                    method: .PATCH, domain: repository.domain, path: location,
                    headers: ["Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(end - 1)",
                              "Content-Length": "\(end - offset)"],
                    body: { Self.body(source, from: range.0, to: range.1) },
                    scopes: [Self.pushScope(repository)], push: true, operation: .push(repository), timeout: .hours(1))
                let response = try await send(request)
                guard response.status == .accepted else {
                    throw await failure(response, .push(repository), url: "PATCH upload of \(digest)")
                }
                location = try Self.uploadLocation(response, after: location)
                offset = end
            }
            try await finishUpload(repository, digest: digest, location: location, source: BytesSource([]), size: 0)
        } else {
            try await finishUpload(repository, digest: digest, location: location, source: source, size: size)
        }
    }

    /// Asks the registry to link blob `digest` from repository `from` into
    /// `repository` without sending it (POST ?mount=&from=). True when it
    /// did; false when it could not (the blob is not readable there), in
    /// which case the upload it opened instead is cancelled.
    public func mountBlob(_ repository: Reference, digest: Digest, from: Reference) async throws -> Bool {
        precondition(from.domain == repository.domain, "cross-registry mounts do not exist")
        let path = "/v2/\(repository.path)/blobs/uploads/?mount=\(Self.percentEncode(digest.description))&from=\(Self.percentEncode(from.path))"
        let request = RegistryRequest(method: .POST, domain: repository.domain, path: path,
                                      headers: ["Content-Length": "0"], body: { .bytes(ByteBuffer()) },
                                      scopes: [Self.pushScope(repository), Self.pullScope(from)].sorted(), push: true,
                                      operation: .push(repository))
        let response = try await send(request)
        switch response.status.code {
        case 201: return true
        case 202:
            if let location = try? Self.uploadLocation(response, after: path) {
                let cancel = RegistryRequest(method: .DELETE, domain: repository.domain, path: location,
                                             scopes: [Self.pushScope(repository)], push: true, operation: .push(repository))
                _ = try? await send(cancel)
            }
            return false
        default: throw await failure(response, .push(repository), url: "mount of \(digest) from \(from.familiarName)")
        }
    }

    /// PUT a manifest under `ref`'s tag, or under its digest when it has one
    /// (then the bytes must hash to it). Returns the digest the registry
    /// stored it under.
    @discardableResult
    public func pushManifest(_ ref: Reference, bytes: [UInt8], mediaType: String) async throws -> Digest {
        let computed = try Digest(algorithm: .sha256, hex: Self.sha256Hex(bytes))
        if let digest = ref.digest, digest.algorithm == .sha256, digest != computed {
            throw BerthError.invalidArgument("manifest bytes hash to \(computed), not to \(digest) named by \(ref.familiarString)")
        }
        let path = "/v2/\(ref.path)/manifests/\(ref.tagOrDigest)"
        let request = RegistryRequest(method: .PUT, domain: ref.domain, path: path,
                                      headers: ["Content-Type": mediaType, "Content-Length": "\(bytes.count)"],
                                      body: { .bytes(ByteBuffer(bytes: bytes)) },
                                      scopes: [Self.pushScope(ref)], push: true, operation: .push(ref))
        let response = try await send(request)
        guard response.status == .created || response.status == .ok else {
            throw await failure(response, .push(ref), url: "manifest \(ref.familiarString)")
        }
        if let header = response.headers.first(name: "Docker-Content-Digest"), let stored = try? Digest(parsing: header),
           stored != computed {
            throw BerthError.internalError("registry stored the manifest of \(ref.familiarString) as \(stored), berth computed \(computed)")
        }
        return computed
    }

    private func startUpload(_ repository: Reference) async throws -> String {
        let path = "/v2/\(repository.path)/blobs/uploads/"
        let request = RegistryRequest(method: .POST, domain: repository.domain, path: path,
                                      headers: ["Content-Length": "0"], body: { .bytes(ByteBuffer()) },
                                      scopes: [Self.pushScope(repository)], push: true, operation: .push(repository))
        let response = try await send(request)
        guard response.status == .accepted else { throw await failure(response, .push(repository), url: path) }
        return try Self.uploadLocation(response, after: path)
    }

    private func finishUpload(_ repository: Reference, digest: Digest, location: String,
                              source: some BlobSource, size: Int64) async throws {
        let url = location + (location.contains("?") ? "&" : "?") + "digest=" + Self.percentEncode(digest.description)
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        headers.add(name: "Content-Length", value: "\(size)")
        let request = RegistryRequest(
            method: .PUT, domain: repository.domain, path: url, headers: headers,
            body: { size == 0 ? .bytes(ByteBuffer()) : Self.body(source, from: 0, to: size) },
            scopes: [Self.pushScope(repository)], push: true, operation: .push(repository), timeout: .hours(1))
        let response = try await send(request)
        guard response.status == .created else {
            throw await failure(response, .push(repository), url: "upload of \(digest)")
        }
    }

    /// The upload URL of a 202 answer, made absolute (registries may send a
    /// path only).
    static func uploadLocation(_ response: HTTPClientResponse, after previous: String) throws -> String {
        guard let location = response.headers.first(name: "Location"), !location.isEmpty else {
            throw BerthError.internalError("registry opened an upload without a Location header")
        }
        if location.hasPrefix("http") || !previous.hasPrefix("http") { return location }
        return resolve(location, against: previous)
    }

    /// A streamed request body reading `source` in 1 MiB pieces.
    static func body(_ source: some BlobSource, from start: Int64, to end: Int64) -> HTTPClientRequest.Body {
        .stream(BlobChunks(source: source, start: start, end: end), length: .known(end - start))
    }
}

/// The bytes `start..<end` of a source as an AsyncSequence of ByteBuffers.
struct BlobChunks<Source: BlobSource>: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let source: Source
    let start: Int64
    let end: Int64
    static var piece: Int { 1 << 20 }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: Source
        var offset: Int64
        let end: Int64
        mutating func next() async throws -> ByteBuffer? {
            guard offset < end else { return nil }
            let bytes = try source.read(at: offset, count: Int(Swift.min(Int64(BlobChunks.piece), end - offset)))
            guard !bytes.isEmpty else {
                throw BerthError.invalidArgument("blob source ended at byte \(offset), before the \(end) bytes announced")
            }
            offset += Int64(bytes.count)
            return ByteBuffer(bytes: bytes)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source, offset: start, end: end) }
}
