import BerthSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A container port as published: where on the host it can be reached.
public struct PublishedPort: Hashable, Codable, Sendable {
    public var containerPort: UInt16
    public var proto: PortProtocol
    /// "0.0.0.0" when published on every address.
    public var hostIP: String
    public var hostPort: UInt16

    public init(containerPort: UInt16, proto: PortProtocol, hostIP: String, hostPort: UInt16) {
        self.containerPort = containerPort
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    /// The firewall rule forwarding it to `containerIP`.
    public func forward(containerID: String, to containerIP: IPv4Address) -> PortForward {
        PortForward(containerID: containerID, proto: proto,
                    hostIP: hostIP == "0.0.0.0" ? nil : IPv4Address(hostIP),
                    hostPort: hostPort, containerIP: containerIP, containerPort: containerPort)
    }
}

/// Holds the host ports of published container ports: each is a socket
/// bound (not listening) to hostIP:hostPort, as docker 28 does even without
/// its userland proxy. Binding is how a port is known free, how `-P` and
/// empty host ports get one from the kernel's ephemeral range, and it keeps
/// other programs from binding the port while the DNAT rule owns it.
public final class PortReservations: Sendable {
    private let held: Mutex<[String: [Int32]]> = Mutex([:])

    public init() {}

    /// Reserves host ports for `mappings` (parsed `-p` values, or `-P`'s
    /// exposed ports with empty host ports) and returns where each landed.
    /// All or nothing: on error no port stays reserved.
    public func reserve(containerID: String, mappings: [PortMapping]) throws -> [PublishedPort] {
        var fds: [Int32] = []
        var published: [PublishedPort] = []
        do {
            for mapping in mappings {
                let ip = mapping.hostIP.isEmpty ? "0.0.0.0" : mapping.hostIP
                guard let address = IPv4Address(ip) else {
                    throw BerthError.invalidArgument("cannot publish \(mapping.key) on \(ip): only IPv4 host addresses are supported")
                }
                let (fd, port) = try bindFree(address: address, proto: mapping.proto, range: mapping.hostPort, key: mapping.key)
                fds.append(fd)
                published.append(PublishedPort(containerPort: mapping.containerPort, proto: mapping.proto,
                                               hostIP: ip, hostPort: port))
            }
        } catch {
            fds.forEach { close($0) }
            throw error
        }
        held.withLock { $0[containerID, default: []] += fds }
        return published
    }

    /// Frees every host port of a container.
    public func release(containerID: String) {
        let fds = held.withLock { $0.removeValue(forKey: containerID) } ?? []
        fds.forEach { close($0) }
    }

    /// Binds a port of `range` ("" = any, "8080", "8000-8010") on address.
    private func bindFree(address: IPv4Address, proto: PortProtocol, range: String, key: String) throws -> (Int32, UInt16) {
        var candidates: [Int] = [0]
        if !range.isEmpty {
            guard let (start, end) = PortSpec.parseRange(range) else {
                throw BerthError.invalidArgument("invalid hostPort: \(range)")
            }
            candidates = Array(start...end)
        }
        var lastErrno: Int32 = 0
        for port in candidates {
            let type = proto == .udp ? SOCK_DGRAM : SOCK_STREAM
            let ipproto = proto == .sctp ? Int32(IPPROTO_SCTP) : 0
            let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), ipproto)
            guard fd >= 0 else { throw SystemError("socket(\(proto.rawValue))", path: key, errno: errno) }
            // No SO_REUSEADDR: with it Linux lets two non-listening TCP
            // sockets share a port, and the reservation would not reserve.
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr = in_addr(s_addr: address.value.bigEndian)
            let rc = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc == 0 {
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                _ = withUnsafeMutablePointer(to: &sin) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
                return (fd, UInt16(bigEndian: sin.sin_port))
            }
            lastErrno = errno
            close(fd)
            if lastErrno != EADDRINUSE { break }
        }
        let shown = range.isEmpty ? "0" : range
        if lastErrno == EADDRINUSE {
            // docker's words, so scripts that grep for them keep working.
            throw BerthError.conflict("Bind for \(address):\(shown) failed: port is already allocated")
        }
        throw BerthError(SystemError("bind", path: "\(address):\(shown)/\(proto.rawValue)", errno: lastErrno),
                         while: "publish \(key) on \(address):\(shown)")
    }
}

/// The shapes the Docker API reports ports in.
public enum DockerPorts {
    /// One `HostConfig.PortBindings` / `NetworkSettings.Ports` entry.
    public struct Binding: Codable, Hashable, Sendable {
        public var HostIp: String
        public var HostPort: String
    }

    /// One entry of `GET /containers/json`'s `Ports` (what `docker ps` shows).
    public struct Summary: Codable, Hashable, Sendable {
        public var IP: String?
        public var PrivatePort: UInt16
        public var PublicPort: UInt16?
        public var `Type`: String
    }

    /// `NetworkSettings.Ports`: every exposed port ("80/tcp"), with its host
    /// bindings or null when it is exposed but not published.
    public static func networkSettingsPorts(published: [PublishedPort], exposed: [String] = []) -> [String: [Binding]?] {
        var map: [String: [Binding]?] = [:]
        for key in exposed { map[key] = .some(nil) }
        for port in published {
            let key = "\(port.containerPort)/\(port.proto.rawValue)"
            let binding = Binding(HostIp: port.hostIP, HostPort: String(port.hostPort))
            let existing: [Binding] = (map[key] ?? nil) ?? []
            map[key] = .some(existing + [binding])
        }
        return map
    }

    /// `Ports` of the container list, sorted as docker sorts them.
    public static func summary(published: [PublishedPort], exposed: [String] = []) -> [Summary] {
        var out = published.map {
            Summary(IP: $0.hostIP, PrivatePort: $0.containerPort, PublicPort: $0.hostPort, Type: $0.proto.rawValue)
        }
        for key in exposed {
            let parts = key.split(separator: "/")
            guard let port = parts.first.flatMap({ UInt16($0) }) else { continue }
            let type = parts.count > 1 ? String(parts[1]) : "tcp"
            if !out.contains(where: { $0.PrivatePort == port && $0.Type == type }) {
                out.append(Summary(IP: nil, PrivatePort: port, PublicPort: nil, Type: type))
            }
        }
        return out.sorted { ($0.PrivatePort, $0.PublicPort ?? 0) < ($1.PrivatePort, $1.PublicPort ?? 0) }
    }
}
