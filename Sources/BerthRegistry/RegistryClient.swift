// BerthRegistry: a client of the OCI distribution spec (v2 API).
//
// Public API (what BerthImages and the engine call):
//
//   let client = RegistryClient(configuration: RegistryConfiguration(...))
//   defer { try await client.shutdown() }
//
//   Pull
//   client.resolve(_ ref: Reference) async throws -> Descriptor               // HEAD (GET fallback) by tag or digest
//   client.fetchManifest(_ ref: Reference) async throws -> FetchedManifest    // digest-verified bytes + decoded Manifest
//   client.fetchManifest(_ repo: Reference, digest: Digest) async throws -> FetchedManifest
//   client.resolveImage(_ ref: Reference, platform: PlatformMatcher = .host) async throws -> ResolvedImage
//                                                                             // index → best platform → manifest (+ config bytes)
//   client.fetchBlob(_ repo: Reference, digest: Digest, offset: Int64 = 0,
//                    into sink: some BlobSink) async throws -> BlobFetchResult // streamed, Range-resumable, verified when offset == 0
//   client.fetchBlobBytes(_ repo: Reference, digest: Digest, maxSize:) async throws -> [UInt8] // small blobs (configs)
//
//   Push
//   client.blobExists(_ repo: Reference, digest: Digest) async throws -> Int64?   // size, nil if absent
//   client.pushBlob(_ repo: Reference, digest: Digest, size: Int64,
//                   from source: some BlobSource, chunkSize: Int? = nil) async throws // monolithic (nil) or chunked PATCHes
//   client.mountBlob(_ repo: Reference, digest: Digest, from: Reference) async throws -> Bool // cross-repo mount
//   client.pushManifest(_ ref: Reference, bytes: [UInt8], mediaType: String) async throws -> Digest // by tag or by digest
//
//   Auth
//   client.setCredentials(_ c: RegistryCredentials?, for domain: String) async  // wins over config.json
//   client.checkLogin(domain: String, credentials: RegistryCredentials) async throws // as `docker login` checks
//   CredentialStore(path:) / .dockerDefault(): credentials(for:), store(_:for:), remove(for:)
//
// Errors are BerthError: notFound (MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN),
// unauthorized, forbidden (DENIED), resourceExhausted (TOOMANYREQUESTS),
// unavailable (5xx, connection), invalidArgument (digest mismatch, bad manifest),
// with the registry's own message and docker's wording.
import AsyncHTTPClient
import BerthOCI
import BerthSystem
import FoundationEssentials
import NIOCore
import NIOHTTP1

/// A distribution-spec client: pulls and pushes manifests and blobs, answers
/// Bearer and Basic challenges, follows redirects to blob storage, reaches
/// registries over TLS with certs.d material or over HTTP when insecure.
public final class RegistryClient: Sendable {
    public let configuration: RegistryConfiguration
    let http: HTTPClient
    let session = RegistrySession()

    /// Timeout for a request that moves no data (manifests, HEADs, uploads
    /// are bounded by the read timeout instead).
    static let smallRequestTimeout: TimeAmount = .seconds(60)
    static let maxRedirects = 10

    public init(configuration: RegistryConfiguration = RegistryConfiguration()) {
        self.configuration = configuration
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,  // followed here, to drop Authorization across hosts
            timeout: .init(connect: .seconds(10), read: .seconds(60)))
        config.decompression = .disabled
        // Fail a connection attempt at once instead of retrying until the
        // connect timeout: the HTTPS→HTTP fallback for insecure registries
        // depends on it (a TLS handshake with a plain HTTP server fails).
        config.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Closes connections. Call once when done.
    public func shutdown() async throws { try await http.shutdown() }

    /// Credentials to use for `domain` from now on (nil: anonymous), over
    /// whatever the credential store holds.
    public func setCredentials(_ credentials: RegistryCredentials?, for domain: String) async {
        await session.setCredentials(credentials, for: domain)
    }

    /// Bearer tokens fetched so far (for tests of the token cache).
    public var tokenFetchCount: Int { get async { await session.tokenFetches } }

    func credentials(for domain: String) async throws -> RegistryCredentials? {
        if let overridden = await session.override(for: domain) { return overridden }
        return try configuration.credentials?.credentials(for: domain)
    }

    /// Logs in as `docker login` checks: GET /v2/ with the credentials must
    /// not answer 401. Does not store them.
    public func checkLogin(domain: String, credentials: RegistryCredentials) async throws {
        await session.setCredentials(credentials, for: domain)
        let request = RegistryRequest(method: .GET, domain: domain, path: "/v2/", scopes: [],
                                      operation: .other("login to \(domain)"))
        let response = try await send(request)
        if response.status.code >= 400 {
            let body = try await response.body.collect(upTo: 64 * 1024)
            throw BerthError.registry(status: Int(response.status.code), body: Array(buffer: body),
                                      operation: .other("login"), url: "login to \(domain)")
        }
    }
}

/// One API call, independent of the endpoint it ends up at.
struct RegistryRequest: Sendable {
    var method: HTTPMethod
    var domain: String
    /// `/v2/...` below the endpoint, or an absolute URL (upload Locations).
    var path: String
    var headers: HTTPHeaders = [:]
    /// Makes the body again for a retry after a challenge.
    var body: (@Sendable () -> HTTPClientRequest.Body)?
    /// Token scopes: `repository:NAME:pull` or `...:pull,push`.
    var scopes: [String]
    var push = false
    var operation: RegistryOperation
    var timeout: TimeAmount = RegistryClient.smallRequestTimeout

    init(method: HTTPMethod, domain: String, path: String, headers: HTTPHeaders = [:],
         body: (@Sendable () -> HTTPClientRequest.Body)? = nil, scopes: [String], push: Bool = false,
         operation: RegistryOperation, timeout: TimeAmount = RegistryClient.smallRequestTimeout) {
        self.method = method
        self.domain = domain
        self.path = path
        self.headers = headers
        self.body = body
        self.scopes = scopes
        self.push = push
        self.operation = operation
        self.timeout = timeout
    }
}

extension RegistryClient {
    static func pullScope(_ repo: Reference) -> String { "repository:\(repo.path):pull" }
    static func pushScope(_ repo: Reference) -> String { "repository:\(repo.path):pull,push" }

    /// Sends a request to the first endpoint that answers (mirrors first for
    /// docker.io pulls), answering one auth challenge and following
    /// redirects. The body of the response is not read yet.
    func send(_ request: RegistryRequest) async throws -> HTTPClientResponse {
        let endpoints = configuration.endpoints(for: request.domain, push: request.push)
        var lastError: (any Error)?
        for (i, endpoint) in endpoints.enumerated() {
            let isLast = i == endpoints.count - 1
            do {
                let response = try await send(request, to: endpoint)
                // A mirror that lacks the content or fails gives way to the next.
                if !isLast, response.status.code == 404 || response.status.code >= 500 { continue }
                return response
            } catch {
                lastError = error
                if isLast { throw error }
            }
        }
        throw lastError ?? BerthError.internalError("no endpoint for \(request.domain)")
    }

    private func send(_ request: RegistryRequest, to endpoint: Endpoint) async throws -> HTTPClientResponse {
        var endpoint = endpoint
        if endpoint.insecure, endpoint.scheme == "https", await session.usesPlainHTTP(endpoint.host) {
            endpoint.scheme = "http"
        }
        do {
            return try await sendAuthorized(request, endpoint: endpoint)
        } catch let error where endpoint.insecure && endpoint.scheme == "https" && RegistryClient.isConnectionError(error) {
            // dockerd tries HTTPS first for an insecure registry, then HTTP.
            endpoint.scheme = "http"
            let response = try await sendAuthorized(request, endpoint: endpoint)
            await session.rememberPlainHTTP(endpoint.host)
            return response
        }
    }

    /// A failure to reach the host at all (refused, TLS handshake), as
    /// opposed to an answer from it.
    static func isConnectionError(_ error: any Error) -> Bool {
        guard let error = error as? BerthError, error.code == .unavailable, let cause = error.cause else { return false }
        return !(cause is BerthError)
    }

    private func sendAuthorized(_ request: RegistryRequest, endpoint: Endpoint) async throws -> HTTPClientResponse {
        let credentials = try await credentials(for: request.domain)
        var authorization = await session.authorization(host: endpoint.host, scopes: request.scopes, credentials: credentials)
        if authorization == nil, let known = await session.challenge(for: endpoint.host), !request.scopes.isEmpty {
            // The host wants bearer tokens: get one for these scopes up front
            // instead of a 401 round trip per repository.
            authorization = try await fetchToken(known, host: endpoint.host, scopes: request.scopes,
                                                 credentials: credentials, operation: request.operation)
        }
        var response = try await execute(request, endpoint: endpoint, authorization: authorization)
        guard response.status == .unauthorized else { return response }

        let challenges = response.headers["WWW-Authenticate"].flatMap(AuthChallenge.parse)
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }) {
            await session.forgetToken(host: endpoint.host, scopes: request.scopes)
            let scopes = Array(Set(request.scopes + bearer.scopes)).sorted()
            authorization = try await fetchToken(bearer, host: endpoint.host, scopes: scopes,
                                                 credentials: credentials, operation: request.operation)
        } else if challenges.contains(where: { $0.scheme == "basic" }), let credentials {
            await session.rememberBasic(host: endpoint.host)
            authorization = RegistrySession.basic(credentials)
        } else {
            return response
        }
        response = try await execute(request, endpoint: endpoint, authorization: authorization)
        return response
    }

    /// GET realm?service=&scope=... with Basic credentials when there are
    /// some (distribution docs/spec/auth/token.md).
    func fetchToken(_ challenge: AuthChallenge, host: String, scopes: [String], credentials: RegistryCredentials?,
                    operation: RegistryOperation) async throws -> String {
        guard let realm = challenge.realm, realm.hasPrefix("http") else {
            throw BerthError(.unauthorized, "\(host) asked for a bearer token without a usable realm")
        }
        var query: [String] = []
        if let service = challenge.service { query.append("service=" + RegistryClient.percentEncode(service)) }
        for scope in scopes { query.append("scope=" + RegistryClient.percentEncode(scope)) }
        if let credentials, credentials.username != "<token>" {
            query.append("account=" + RegistryClient.percentEncode(credentials.username))
        }
        var request = HTTPClientRequest(url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let credentials { request.headers.add(name: "Authorization", value: RegistrySession.basic(credentials)) }
        let response: HTTPClientResponse
        do { response = try await http.execute(request, timeout: RegistryClient.smallRequestTimeout) } catch {
            throw BerthError.unavailable("cannot reach the token server \(realm) of \(host)", cause: error)
        }
        let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            throw BerthError.registry(status: Int(response.status.code), body: body, operation: operation,
                                      url: "token from \(realm)")
        }
        struct TokenResponse: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let parsed = try? JSONDecoder().decode(TokenResponse.self, from: Data(body)),
              let token = parsed.token ?? parsed.access_token, !token.isEmpty else {
            throw BerthError(.unauthorized, "the token server \(realm) of \(host) answered without a token")
        }
        await session.remember(token: token, lifetime: parsed.expires_in ?? 60, host: host, scopes: scopes, challenge: challenge)
        return "Bearer " + token
    }

    /// One HTTP exchange, following redirects by hand: Authorization goes
    /// only to the host it was meant for (blob storage gets presigned URLs).
    private func execute(_ request: RegistryRequest, endpoint: Endpoint, authorization: String?) async throws -> HTTPClientResponse {
        var url = request.path.hasPrefix("http") ? request.path : endpoint.base + request.path
        var authorization = authorization
        var method = request.method
        for _ in 0...RegistryClient.maxRedirects {
            var http = HTTPClientRequest(url: url)
            http.method = method
            http.headers = request.headers
            http.headers.replaceOrAdd(name: "User-Agent", value: configuration.userAgent)
            if let authorization { http.headers.replaceOrAdd(name: "Authorization", value: authorization) }
            if let body = request.body, method != .GET, method != .HEAD { http.body = body() }
            let host = RegistryClient.hostPort(of: url)
            let insecure = host == endpoint.host ? endpoint.insecure : configuration.isInsecure(host)
            if url.hasPrefix("https") { http.tlsConfiguration = try configuration.tlsConfiguration(for: host, insecure: insecure) }
            let response: HTTPClientResponse
            do { response = try await self.http.execute(http, timeout: request.timeout) } catch {
                throw BerthError.unavailable("cannot reach \(RegistryClient.redacted(url))", cause: error)
            }
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                  let location = response.headers.first(name: "Location") else { return response }
            let next = RegistryClient.resolve(location, against: url)
            if RegistryClient.shouldDropAuthorization(from: url, to: next) { authorization = nil }
            if response.status.code == 303 { method = .GET }
            url = next
        }
        throw BerthError.unavailable("too many redirects from \(RegistryClient.redacted(request.path))")
    }

    /// Authorization is kept only for the same scheme, host and port, as Go's
    /// net/http does on redirect (docker relies on it for S3/CDN redirects).
    static func shouldDropAuthorization(from: String, to: String) -> Bool {
        scheme(of: from) != scheme(of: to) || hostPort(of: from).lowercased() != hostPort(of: to).lowercased()
    }

    static func scheme(of url: String) -> String { String(url.prefix { $0 != ":" }).lowercased() }

    static func hostPort(of url: String) -> String {
        guard let r = url.firstRange(of: "://") else { return "" }
        return String(url[r.upperBound...].prefix { $0 != "/" && $0 != "?" })
    }

    /// A Location header, absolute or relative to `base`.
    static func resolve(_ location: String, against base: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        let origin = scheme(of: base) + "://" + hostPort(of: base)
        if location.hasPrefix("//") { return scheme(of: base) + ":" + location }
        if location.hasPrefix("/") { return origin + location }
        let path = base.dropFirst(origin.count).prefix { $0 != "?" }
        let dir = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return origin + dir + location
    }

    /// The URL without its query (presigned URLs carry secrets there).
    static func redacted(_ url: String) -> String { String(url.prefix { $0 != "?" }) }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }

    /// Reads an error response's body and maps it to a BerthError.
    func failure(_ response: HTTPClientResponse, _ operation: RegistryOperation, url: String) async -> BerthError {
        let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Array(buffer: $0) } ?? []
        return BerthError.registry(status: Int(response.status.code), body: body, operation: operation, url: url)
    }
}
