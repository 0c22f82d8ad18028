#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import NIOSSL

/// How berth reaches registries: TLS material, which registries may use
/// plain HTTP, mirrors for docker.io, where credentials live. Mirrors
/// dockerd's daemon.json `insecure-registries` and `registry-mirrors` and its
/// `/etc/docker/certs.d` directory.
public struct RegistryConfiguration: Sendable {
    /// Per-registry TLS material, `DIR/HOST[:PORT]/`: `*.crt` are CAs,
    /// `NAME.cert` with `NAME.key` a client certificate (docker's certs.d).
    public var certsDirectory: String
    /// Registries that may be reached over plain HTTP (and over HTTPS without
    /// verification): `host[:port]` or CIDRs like `10.0.0.0/8`. Loopback is
    /// always insecure, as dockerd's default `127.0.0.0/8`.
    public var insecureRegistries: [String]
    /// Mirrors of docker.io tried in order before it, for pulls
    /// (`https://mirror.example.com`).
    public var mirrors: [String]
    /// Where credentials come from; nil means anonymous only.
    public var credentials: CredentialStore?
    /// Sent as User-Agent.
    public var userAgent: String
    /// Loopback registries (127.0.0.0/8, localhost) are insecure, as in
    /// dockerd's default; turn off to verify their certificates (tests of
    /// certs.d do).
    public var insecureLoopback = true

    public init(certsDirectory: String = "/etc/berth/certs.d", insecureRegistries: [String] = [],
                mirrors: [String] = [], credentials: CredentialStore? = .dockerDefault(),
                userAgent: String = "berth/0.1") {
        self.certsDirectory = certsDirectory
        self.insecureRegistries = insecureRegistries
        self.mirrors = mirrors
        self.credentials = credentials
        self.userAgent = userAgent
    }

    /// The host name docker.io pulls really go to.
    public static let dockerHubHost = "registry-1.docker.io"

    /// The endpoints to try for a registry domain, in order: mirrors (pulls
    /// from docker.io only), then the registry itself.
    func endpoints(for domain: String, push: Bool) -> [Endpoint] {
        if domain == Reference.defaultDomain {
            var list: [Endpoint] = []
            if !push {
                for mirror in mirrors {
                    if let e = Endpoint(url: mirror, insecure: false) { list.append(e) }
                }
            }
            list.append(Endpoint(scheme: "https", host: RegistryConfiguration.dockerHubHost, pathPrefix: "", insecure: false))
            return list
        }
        let insecure = isInsecure(domain)
        return [Endpoint(scheme: "https", host: domain, pathPrefix: "", insecure: insecure)]
    }

    /// dockerd's isSecureIndex: listed registries, listed CIDRs, loopback.
    public func isInsecure(_ hostPort: String) -> Bool {
        if insecureRegistries.contains(hostPort) { return true }
        let host = Endpoint.hostOnly(hostPort)
        if insecureLoopback, host == "localhost" || host == "::1" { return true }
        guard let ip = IPv4(host) else { return false }
        if insecureLoopback, IPv4.Network("127.0.0.0/8")!.contains(ip) { return true }
        return insecureRegistries.contains { entry in IPv4.Network(entry)?.contains(ip) ?? false }
    }

    /// The TLS configuration for a registry: system roots plus certs.d CAs,
    /// a client certificate if one is there, no verification when insecure.
    func tlsConfiguration(for hostPort: String, insecure: Bool) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecure { tls.certificateVerification = .none }
        let dir = certsDirectory + "/" + hostPort
        var cas: [String] = []
        var certs: [String] = []
        var keys: Set<String> = []
        for name in RegistryConfiguration.listDirectory(dir).sorted() {
            if name.hasSuffix(".crt") { cas.append(dir + "/" + name) }
            else if name.hasSuffix(".cert") { certs.append(String(name.dropLast(5))) }
            else if name.hasSuffix(".key") { keys.insert(String(name.dropLast(4))) }
        }
        if !cas.isEmpty { tls.additionalTrustRoots = [.certificates(try cas.flatMap { path -> [NIOSSLCertificate] in
            do { return try NIOSSLCertificate.fromPEMFile(path) } catch {
                throw BerthError.invalidArgument("CA certificate \(path) is not PEM", cause: error)
            }
        })] }
        for base in certs {
            guard keys.contains(base) else {
                throw BerthError.invalidArgument("client certificate \(dir)/\(base).cert has no key \(base).key beside it")
            }
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile("\(dir)/\(base).cert").map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: "\(dir)/\(base).key", format: .pem))
            } catch {
                throw BerthError.invalidArgument("client certificate \(dir)/\(base).cert or its key is not valid PEM", cause: error)
            }
        }
        for base in keys where !certs.contains(base) {
            throw BerthError.invalidArgument("client key \(dir)/\(base).key has no certificate \(base).cert beside it")
        }
        return tls
    }

    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// One place a registry's API is served: scheme, host[:port], path prefix.
struct Endpoint: Hashable, Sendable {
    var scheme: String
    var host: String
    var pathPrefix: String
    var insecure: Bool

    init(scheme: String, host: String, pathPrefix: String, insecure: Bool) {
        self.scheme = scheme
        self.host = host
        self.pathPrefix = pathPrefix
        self.insecure = insecure
    }

    init?(url: String, insecure: Bool) {
        var rest = Substring(url)
        var scheme = "https"
        if let r = rest.firstRange(of: "://") { scheme = String(rest[..<r.lowerBound]); rest = rest[r.upperBound...] }
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty else { return nil }
        var prefix = String(rest.dropFirst(host.count))
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.init(scheme: scheme, host: String(host), pathPrefix: prefix, insecure: insecure || scheme == "http")
    }

    var base: String { "\(scheme)://\(host)\(pathPrefix)" }

    /// `host:port` → `host`; `[::1]:5000` → `::1`.
    static func hostOnly(_ hostPort: String) -> String {
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            return String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
        }
        return String(hostPort.prefix { $0 != ":" })
    }
}

/// An IPv4 address, for the insecure-registry CIDR test.
struct IPv4: Equatable {
    var value: UInt32

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let n = UInt8(p) else { return nil }
            v = v << 8 | UInt32(n)
        }
        value = v
    }

    struct Network {
        var base: UInt32
        var mask: UInt32
        init?(_ cidr: String) {
            let parts = cidr.split(separator: "/")
            guard parts.count == 2, let ip = IPv4(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
            mask = bits == 0 ? 0 : UInt32.max << (32 - bits)
            base = ip.value & mask
        }
        func contains(_ ip: IPv4) -> Bool { ip.value & mask == base }
    }
}
