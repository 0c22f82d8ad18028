import BerthAPIModel
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif
#if canImport(Glibc)
import Glibc
#endif

/// docker's ~/.docker/config.json (or $DOCKER_CONFIG/config.json, or
/// `--config DIR`): the `auths` map of registry → base64 "user:password".
/// Keys berth does not know are kept as they were when it is rewritten.
struct DockerConfig {
    let path: String
    private(set) var document: [String: JSONValue]

    static var directory: String {
        if let flag = GlobalFlags.configDirectory { return flag }
        let env = environment()
        if let dir = env["DOCKER_CONFIG"], !dir.isEmpty { return dir }
        return (env["HOME"] ?? "/root") + "/.docker"
    }

    /// Reads the file; a missing one is empty.
    static func load() throws -> DockerConfig {
        let path = directory + "/config.json"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return DockerConfig(path: path, document: [:]) }
            throw BerthError(SystemError("open", path: path, errno: errno), while: "read \(path)")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        let next = chunks(of: fd)
        while let chunk = try next() { bytes += chunk }
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 }) { return DockerConfig(path: path, document: [:]) }
        guard case .object(let object) = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw BerthError.invalidArgument("\(path) is not a JSON object")
        }
        return DockerConfig(path: path, document: object)
    }

    /// The key docker uses for a registry: docker.io is "https://index.docker.io/v1/".
    static func key(forRegistry registry: String) -> String {
        ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(registry) ? "https://index.docker.io/v1/" : registry
    }

    /// The stored credentials for a registry host.
    func credentials(forRegistry registry: String) -> AuthConfig? {
        let key = Self.key(forRegistry: registry)
        guard case .object(let auths)? = document["auths"] else { return nil }
        let candidates = [key, "https://" + key, "http://" + key]
        for candidate in candidates {
            guard case .object(let entry)? = auths[candidate], case .string(let encoded)? = entry["auth"],
                  let data = Data(base64Encoded: encoded) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            return AuthConfig(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]), serveraddress: key)
        }
        return nil
    }

    mutating func store(_ auth: AuthConfig, forRegistry registry: String) {
        var auths: [String: JSONValue] = [:]
        if case .object(let existing)? = document["auths"] { auths = existing }
        let token = Data("\(auth.username ?? ""):\(auth.password ?? "")".utf8).base64EncodedString()
        auths[Self.key(forRegistry: registry)] = .object(["auth": .string(token)])
        document["auths"] = .object(auths)
    }

    /// Removes a registry's credentials; false when there were none.
    mutating func remove(registry: String) -> Bool {
        guard case .object(var auths)? = document["auths"] else { return false }
        let key = Self.key(forRegistry: registry)
        let removed = [key, "https://" + key, "http://" + key].compactMap { auths.removeValue(forKey: $0) }
        document["auths"] = .object(auths)
        return !removed.isEmpty
    }

    /// Writes the file durably (temp, fsync, rename), mode 0600 as docker does.
    func save() throws {
        let directory = String(path[..<path.lastIndex(of: "/")!])
        mkdir(directory, 0o700)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(JSONValue.object(document))) + [10]
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError(SystemError("open", path: temp, errno: errno), while: "write \(path)") }
        writeAll(fd, bytes)
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            let saved = errno
            unlink(temp)
            throw BerthError(SystemError("rename", path: path, errno: saved), while: "write \(path)")
        }
    }
}
