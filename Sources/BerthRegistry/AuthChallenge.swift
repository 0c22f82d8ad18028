/// One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its
/// parameters, e.g. `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.
public struct AuthChallenge: Hashable, Sendable {
    /// Lowercased scheme: `bearer` or `basic` are the ones registries use.
    public var scheme: String
    /// Parameters with lowercased names (`realm`, `service`, `scope`, `error`).
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    /// The scopes the registry asked for (space separated in the header).
    public var scopes: [String] { (parameters["scope"] ?? "").split(separator: " ").map(String.init) }

    /// Parses every challenge of a header value (several may share one
    /// header, separated by commas, as containerd's remotes/docker/auth
    /// parser accepts). Unparseable text yields no challenge, never a crash.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var result: [AuthChallenge] = []
        while true {
            scanner.skip(while: { $0 == .space || $0 == .comma || $0 == .tab })
            guard let scheme = scanner.token(), !scheme.isEmpty else { break }
            var params: [String: String] = [:]
            while true {
                let mark = scanner.index
                scanner.skip(while: { $0 == .space || $0 == .comma || $0 == .tab })
                guard let name = scanner.token(), !name.isEmpty else { scanner.index = mark; break }
                scanner.skip(while: { $0 == .space || $0 == .tab })
                guard scanner.peek == .equals else {
                    // A token not followed by '=' starts the next challenge.
                    scanner.index = mark
                    break
                }
                scanner.index += 1
                scanner.skip(while: { $0 == .space || $0 == .tab })
                params[name.lowercased()] = scanner.peek == .quote ? scanner.quoted() : (scanner.token() ?? "")
            }
            result.append(AuthChallenge(scheme: scheme, parameters: params))
        }
        return result
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
        mutating func skip(while predicate: (UInt8) -> Bool) {
            while let c = peek, predicate(c) { index += 1 }
        }
        /// An RFC 7230 token (also accepting '/' and '=' padding inside token68 values).
        mutating func token() -> String? {
            let start = index
            while let c = peek, c > 0x20, c != .comma, c != .quote, c != .equals || (index > start && isToken68Padding()) {
                index += 1
            }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }
        private func isToken68Padding() -> Bool {
            // "abc==" : '=' runs that end the value, not a name=value split.
            var i = index
            while i < bytes.count, bytes[i] == .equals { i += 1 }
            return i == bytes.count || bytes[i] == .comma || bytes[i] == .space
        }
        mutating func quoted() -> String {
            index += 1
            var out: [UInt8] = []
            while let c = peek, c != .quote {
                if c == .backslash, index + 1 < bytes.count { index += 1 }
                out.append(bytes[index])
                index += 1
            }
            if peek == .quote { index += 1 }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

private extension UInt8 {
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\""), equals = UInt8(ascii: "="), backslash = UInt8(ascii: "\\")
}
