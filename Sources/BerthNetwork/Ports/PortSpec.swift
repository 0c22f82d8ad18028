import BerthSystem

/// The transport of a published port ("80/tcp").
public enum PortProtocol: String, Codable, Sendable, CaseIterable {
    case tcp, udp, sctp
}

/// One container port and how the host publishes it: docker's
/// nat.PortMapping (a Port key "80/tcp" and a PortBinding {HostIp,
/// HostPort}), where HostPort may be empty (any free port) or a range
/// "8000-8010" (any free port in it).
public struct PortMapping: Hashable, Codable, Sendable {
    public var containerPort: UInt16
    public var proto: PortProtocol
    public var hostIP: String
    public var hostPort: String

    public init(containerPort: UInt16, proto: PortProtocol = .tcp, hostIP: String = "", hostPort: String = "") {
        self.containerPort = containerPort
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    /// Docker's Port key: "80/tcp".
    public var key: String { "\(containerPort)/\(proto.rawValue)" }
}

/// Parses `-p`/`--publish` values with docker's syntax and error messages
/// (go-connections nat.ParsePortSpec): `[ip:][hostPort:]containerPort[/proto]`,
/// port ranges on either side, IPv6 host addresses in brackets.
public enum PortSpec {
    public static func parse(_ raw: String) throws -> [PortMapping] {
        var (ip, hostPort, containerField) = splitParts(raw)
        let (protoText, containerPort) = splitProto(containerField)
        guard !containerPort.isEmpty else {
            throw BerthError.invalidArgument("no port specified: \(raw)<empty>")
        }
        guard let proto = PortProtocol(rawValue: protoText.lowercased()) else {
            throw BerthError.invalidArgument("invalid proto: \(protoText.lowercased())")
        }
        if ip.hasPrefix("[") {
            guard ip.hasSuffix("]"), ip.count > 2 else {
                // Go's net.SplitHostPort(ip + ":") error, as docker reports it.
                throw BerthError.invalidArgument("invalid IP address \(ip): address \(ip):: missing ']' in address")
            }
            ip = String(ip.dropFirst().dropLast())
        }
        if !ip.isEmpty, IPv4Address(ip) == nil, !looksLikeIPv6(ip) {
            throw BerthError.invalidArgument("invalid IP address: \(ip)")
        }
        guard let (start, end) = parseRange(containerPort) else {
            throw BerthError.invalidArgument("invalid containerPort: \(containerPort)")
        }
        var hostStart = 0, hostEnd = 0
        if !hostPort.isEmpty {
            guard let range = parseRange(hostPort) else {
                throw BerthError.invalidArgument("invalid hostPort: \(hostPort)")
            }
            (hostStart, hostEnd) = range
            // A host range with a single container port is the range to pick
            // a free host port from; otherwise the lengths must match.
            if end - start != hostEnd - hostStart, end != start {
                throw BerthError.invalidArgument(
                    "invalid ranges specified for container and host Ports: \(containerPort) and \(hostPort)")
            }
        }
        let count = end - start + 1
        return (0..<count).map { i in
            var published = ""
            if !hostPort.isEmpty {
                published = String(hostStart + i)
                if count == 1, hostStart != hostEnd { published += "-\(hostEnd)" }
            }
            return PortMapping(containerPort: UInt16(start + i), proto: proto, hostIP: ip, hostPort: published)
        }
    }

    /// Parses every `-p` value; the first bad one fails the lot.
    public static func parse(all raws: [String]) throws -> [PortMapping] {
        try raws.flatMap(parse)
    }

    /// "8000" or "8000-8010" → (start, end), nil when malformed, out of
    /// 0-65535 or reversed (nat.ParsePortRange).
    public static func parseRange(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part), n <= 65535 else {
                return nil
            }
            numbers.append(n)
        }
        let start = numbers[0], end = numbers.last!
        return end < start ? nil : (start, end)
    }

    private static func splitParts(_ raw: String) -> (String, String, String) {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: return ("", "", parts[0])
        case 2: return ("", parts[0], parts[1])
        case 3: return (parts[0], parts[1], parts[2])
        default:
            let n = parts.count
            return (parts[..<(n - 2)].joined(separator: ":"), parts[n - 2], parts[n - 1])
        }
    }

    private static func splitProto(_ raw: String) -> (String, String) {
        guard let slash = raw.firstIndex(of: "/") else { return raw.isEmpty ? ("", "") : ("tcp", raw) }
        let port = String(raw[..<slash])
        let proto = String(raw[raw.index(after: slash)...])
        if port.isEmpty { return ("", "") }
        return (proto.isEmpty ? "tcp" : proto, port)
    }

    private static func looksLikeIPv6(_ text: String) -> Bool {
        text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            && text.split(separator: ":", omittingEmptySubsequences: false).count <= 8
    }
}
