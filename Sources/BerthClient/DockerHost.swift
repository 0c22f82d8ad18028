import BerthSystem

/// Where the daemon listens: `unix:///path` or `tcp://host:port` (docker's
/// `-H`/`DOCKER_HOST` forms; `tcp://` without a port means 2375).
public enum DockerHost: Sendable, Equatable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    /// berth's own socket, used when neither -H, BERTH_HOST nor DOCKER_HOST is set.
    public static let defaultSocket = DockerHost.unix("/run/berth/berth.sock")

    /// Parses `unix:///run/x.sock`, `unix:/run/x.sock`, a bare absolute path, `tcp://h:p`, `tcp://[::1]:p`.
    public init(parsing text: String) throws {
        if text.hasPrefix("unix://") || text.hasPrefix("unix:") || text.hasPrefix("/") {
            var path = text
            if path.hasPrefix("unix://") { path.removeFirst(7) } else if path.hasPrefix("unix:") { path.removeFirst(5) }
            guard path.hasPrefix("/") else { throw BerthError.invalidArgument("invalid host \(text): a unix socket needs an absolute path") }
            self = .unix(path)
            return
        }
        guard text.hasPrefix("tcp://") || text.hasPrefix("http://") else {
            throw BerthError.invalidArgument("invalid host \(text): use unix:///path or tcp://host:port")
        }
        var rest = Substring(text.drop { $0 != "/" }.dropFirst(2))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var name = rest, port = 2375
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            name = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { throw BerthError.invalidArgument("invalid host \(text): bad port") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            name = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw BerthError.invalidArgument("invalid host \(text): bad port")
            }
            port = p
        }
        guard !name.isEmpty else { throw BerthError.invalidArgument("invalid host \(text): no host name") }
        self = .tcp(host: String(name), port: port)
    }

    /// The host the CLI talks to: the flag, else BERTH_HOST, else DOCKER_HOST, else berth's socket.
    public static func resolve(flag: String?, environment: [String: String]) throws -> DockerHost {
        for value in [flag, environment["BERTH_HOST"], environment["DOCKER_HOST"]] {
            if let value, !value.isEmpty { return try DockerHost(parsing: value) }
        }
        return defaultSocket
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }

    /// The Host header: docker sends a placeholder for unix sockets.
    var hostHeader: String {
        switch self {
        case .unix: return "api.moby.localhost"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
