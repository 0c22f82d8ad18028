#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import FoundationEssentials

/// A user name and password (or identity token) for one registry.
public struct RegistryCredentials: Hashable, Sendable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// Credentials in docker's `config.json` (`~/.docker/config.json`, or
/// `$DOCKER_CONFIG/config.json`): the `auths` map, keyed by registry, each
/// with a base64 `auth` of `user:password` or `username`/`password` fields
/// (docker/cli cli/config/configfile). Writing keeps every other field of the
/// file as it was. Credential helpers (`credsStore`) are not run.
public struct CredentialStore: Sendable {
    /// The config.json this store reads and writes.
    public let path: String

    public init(path: String) { self.path = path }

    /// The store docker's CLI would use: `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`.
    public static func dockerDefault(environment: [String: String] = ProcessInfo.processInfo.environment) -> CredentialStore {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return CredentialStore(path: dir + "/config.json") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        return CredentialStore(path: home + "/.docker/config.json")
    }

    /// The key docker writes for a registry host: docker.io's is the legacy
    /// index URL (registry.IndexServer).
    public static func key(for host: String) -> String {
        host == Reference.defaultDomain || host == "index.docker.io" || host == "registry-1.docker.io"
            ? "https://index.docker.io/v1/" : host
    }

    /// `https://host:port/v1/` → `host:port`, as docker's ConvertToHostname.
    static func hostname(ofKey key: String) -> String {
        var s = Substring(key)
        for scheme in ["http://", "https://"] where s.hasPrefix(scheme) { s = s.dropFirst(scheme.count) }
        return String(s.prefix { $0 != "/" })
    }

    /// The credentials stored for `host`, or nil.
    public func credentials(for host: String) throws -> RegistryCredentials? {
        let auths = try readAuths()
        let wanted = CredentialStore.hostname(ofKey: CredentialStore.key(for: host))
        let entry = auths[CredentialStore.key(for: host)]
            ?? auths.first { CredentialStore.hostname(ofKey: $0.key) == wanted }?.value
        guard let entry else { return nil }
        if let auth = entry.auth, !auth.isEmpty {
            guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else {
                throw BerthError.invalidArgument("\(path): the \"auth\" of \"\(host)\" is not base64 of user:password")
            }
            return RegistryCredentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let user = entry.username, let password = entry.password {
            return RegistryCredentials(username: user, password: password)
        }
        if let token = entry.identitytoken {
            // An OAuth2 refresh token; docker sends it with the user "<token>".
            return RegistryCredentials(username: "<token>", password: token)
        }
        return nil
    }

    /// Stores credentials for `host` (as `docker login` does), durably.
    public func store(_ credentials: RegistryCredentials, for host: String) throws {
        var document = try readDocument()
        var auths = document["auths"]?.objectValue ?? [:]
        let encoded = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
        auths[CredentialStore.key(for: host)] = .object(["auth": .string(encoded)])
        document["auths"] = .object(auths)
        try write(document)
    }

    /// Removes the credentials of `host` (as `docker logout`); false if there were none.
    @discardableResult
    public func remove(for host: String) throws -> Bool {
        var document = try readDocument()
        guard var auths = document["auths"]?.objectValue else { return false }
        let wanted = CredentialStore.hostname(ofKey: CredentialStore.key(for: host))
        let keys = auths.keys.filter { CredentialStore.hostname(ofKey: $0) == wanted }
        guard !keys.isEmpty else { return false }
        for key in keys { auths[key] = nil }
        document["auths"] = .object(auths)
        try write(document)
        return true
    }

    struct AuthEntry: Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }

    func readAuths() throws -> [String: AuthEntry] {
        guard let data = try readFile() else { return [:] }
        struct File: Decodable { var auths: [String: AuthEntry]? }
        do { return try JSONDecoder().decode(File.self, from: data).auths ?? [:] } catch {
            throw BerthError.invalidArgument("\(path) is not valid docker config JSON", cause: error)
        }
    }

    func readDocument() throws -> [String: JSONValue] {
        guard let data = try readFile() else { return [:] }
        do { return try JSONDecoder().decode([String: JSONValue].self, from: data) } catch {
            throw BerthError.invalidArgument("\(path) is not valid docker config JSON", cause: error)
        }
    }

    func readFile() throws -> Data? {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            if access(path, F_OK) != 0 { return nil }
            throw BerthError.unavailable("cannot read \(path)", cause: error)
        }
    }

    /// Temp name, fsync, rename, fsync the directory; mode 0600 as docker.
    func write(_ document: [String: JSONValue]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(document)
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw BerthError(SystemError("mkdir", path: dir, errno: errno), while: "saving credentials")
        }
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError(SystemError("open", path: temp, errno: errno), while: "saving credentials") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        let writeErrno = errno
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok else {
            unlink(temp)
            throw BerthError(SystemError("write", path: temp, errno: writeErrno), while: "saving credentials")
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw BerthError(SystemError("rename", path: path, errno: e), while: "saving credentials")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

/// Any JSON value, so config.json round-trips fields berth does not know.
enum JSONValue: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
