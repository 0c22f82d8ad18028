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

extension AuthConfig {
    /// Decodes the `X-Registry-Auth` header: base64url JSON, padded or not
    /// (moby's `registry.DecodeAuthConfig`). An empty header means anonymous.
    public init?(registryAuthHeader header: String) throws {
        let trimmed = header.filter { $0 != " " }
        if trimmed.isEmpty { return nil }
        let json = try Self.base64URLDecode(trimmed, header: "X-Registry-Auth")
        do {
            self = try JSONDecoder().decode(AuthConfig.self, from: json)
        } catch {
            throw BerthError.invalidArgument("invalid X-Registry-Auth header: \(error)")
        }
    }

    /// Decodes `X-Registry-Config` (build): a base64url JSON map from registry
    /// host to its credentials.
    public static func registryConfigHeader(_ header: String) throws -> [String: AuthConfig] {
        let trimmed = header.filter { $0 != " " }
        if trimmed.isEmpty { return [:] }
        let json = try base64URLDecode(trimmed, header: "X-Registry-Config")
        do {
            return try JSONDecoder().decode([String: AuthConfig].self, from: json)
        } catch {
            throw BerthError.invalidArgument("invalid X-Registry-Config header: \(error)")
        }
    }

    /// The header value a client sends: base64url of the JSON.
    public func registryAuthHeader() throws -> String {
        let data = try JSONEncoder().encode(self)
        return data.base64EncodedString()
            .replacing("+", with: "-")
            .replacing("/", with: "_")
    }

    static func base64URLDecode(_ value: String, header: String) throws -> Data {
        var standard = value.replacing("-", with: "+").replacing("_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        guard let data = Data(base64Encoded: standard) else {
            throw BerthError.invalidArgument("invalid \(header) header: not base64url")
        }
        return data
    }
}
