/// A published or exposed port in compose's long form. The short syntax
/// `[IP:][HOST[-END]:]CONTAINER[-END][/PROTO]` is expanded into these, a
/// container range giving one entry per port (docker/go-connections'
/// ParsePortSpec, which compose-go uses).
public struct ServicePort: Sendable, Equatable {
    public var target: Int
    /// A port, a range `8000-8010`, or nil for an ephemeral host port.
    public var published: String?
    public var hostIp: String?
    public var `protocol`: String = "tcp"
    /// `ingress` (the default compose-go writes) or `host`.
    public var mode: String = "ingress"
    public var name: String?
    public var appProtocol: String?

    public init(target: Int, published: String? = nil, hostIp: String? = nil, protocol: String = "tcp") {
        self.target = target
        self.published = published
        self.hostIp = hostIp
        self.protocol = `protocol`
    }

    /// Parses the short syntax; the error text goes after `invalid port`.
    public static func parseShort(_ spec: String) -> [ServicePort]? {
        var rest = Substring(spec)
        var proto = "tcp"
        if let slash = rest.lastIndex(of: "/") {
            proto = String(rest[rest.index(after: slash)...]).lowercased()
            rest = rest[..<slash]
            guard ["tcp", "udp", "sctp"].contains(proto) else { return nil }
        }
        var ip: String?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else { return nil }
            ip = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(close, offsetBy: 2)...]
        }
        var parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if ip == nil && parts.count == 3 {
            ip = parts.removeFirst()
        } else if ip == nil && parts.count > 3 {
            // An unbracketed IPv6 address: the last two parts are the ports.
            ip = parts.dropLast(2).joined(separator: ":")
            parts = Array(parts.suffix(2))
        }
        if ip == "" { ip = nil }
        guard parts.count == 1 || parts.count == 2 else { return nil }
        guard let container = parseRange(parts.last!) else { return nil }
        let host: (Int, Int)?
        if parts.count == 2 && !parts[0].isEmpty {
            guard let h = parseRange(parts[0]) else { return nil }
            host = h
        } else {
            host = nil
        }
        let count = container.1 - container.0 + 1
        if let host {
            let hostCount = host.1 - host.0 + 1
            if count > 1 && hostCount != count { return nil }
            if count == 1 {
                let published = hostCount == 1 ? "\(host.0)" : "\(host.0)-\(host.1)"
                return [ServicePort(target: container.0, published: published, hostIp: ip, protocol: proto)]
            }
            return (0..<count).map { ServicePort(target: container.0 + $0, published: "\(host.0 + $0)", hostIp: ip, protocol: proto) }
        }
        return (0..<count).map { ServicePort(target: container.0 + $0, published: nil, hostIp: ip, protocol: proto) }
    }

    /// `80` or `8000-8010`, each 1…65535, start ≤ end.
    static func parseRange(_ text: String) -> (Int, Int)? {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 1 || bounds.count == 2 else { return nil }
        guard let start = Int(bounds[0]), (1...65535).contains(start) else { return nil }
        guard bounds.count == 2 else { return (start, start) }
        guard let end = Int(bounds[1]), (start...65535).contains(end) else { return nil }
        return (start, end)
    }
}
