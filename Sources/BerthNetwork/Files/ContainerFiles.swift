import BerthSystem

/// One line of /etc/hosts: an address and its names (docker's etchosts.Record).
public struct HostsRecord: Equatable, Sendable {
    public var ip: String
    public var hosts: String
    public init(ip: String, hosts: String) {
        self.ip = ip
        self.hosts = hosts
    }
}

/// The content of a container's /etc/hosts and /etc/hostname, as pure
/// functions producing exactly what docker writes (libnetwork/etchosts and
/// the sandbox's updateHostsFile): the loopback lines, IPv6 lines when the
/// container has IPv6, `--add-host` records, then the container's own
/// address with its hostname.
public enum ContainerFiles {
    static let ipv4Defaults = [HostsRecord(ip: "127.0.0.1", hosts: "localhost")]
    static let ipv6Defaults = [
        HostsRecord(ip: "::1", hosts: "localhost ip6-localhost ip6-loopback"),
        HostsRecord(ip: "fe00::", hosts: "ip6-localnet"),
        HostsRecord(ip: "ff00::", hosts: "ip6-mcastprefix"),
        HostsRecord(ip: "ff02::1", hosts: "ip6-allnodes"),
        HostsRecord(ip: "ff02::2", hosts: "ip6-allrouters"),
    ]

    /// /etc/hosts. `ipv6` is false only when the container has IPv6 disabled
    /// (docker's BuildNoIPv6). `extraHosts` are `--add-host` values already resolved
    /// (see `parseExtraHost`); `ownAddresses` are the container's addresses
    /// (none with `--network none`/host). `domainname` makes the FQDN line
    /// "ip fqdn hostname" as docker does.
    public static func hosts(hostname: String, domainname: String = "", ownAddresses: [String],
                             extraHosts: [HostsRecord] = [], ipv6: Bool = true) -> String {
        var records = ipv4Defaults
        if ipv6 { records += ipv6Defaults }
        records += ipv6 ? extraHosts : extraHosts.filter { !$0.ip.contains(":") }
        // The FQDN and the bare hostname, whether the user gave a FQDN as
        // hostname or split it across hostname and domainname.
        let fqdn = domainname.isEmpty ? hostname : "\(hostname).\(domainname)"
        var names = fqdn
        if let dot = fqdn.firstIndex(of: ".") { names += " \(fqdn[..<dot])" }
        for address in ownAddresses { records.append(HostsRecord(ip: address, hosts: names)) }
        return records.map { "\($0.ip)\t\($0.hosts)\n" }.joined()
    }

    /// /etc/hostname: the name and a newline.
    public static func hostname(_ name: String) -> String { name + "\n" }

    /// Parses one `--add-host name:ip` (or `name=ip`, docker 25+) value;
    /// "host-gateway" becomes `hostGateway` (the default bridge's gateway,
    /// or the daemon's `--host-gateway-ip`).
    public static func parseExtraHost(_ value: String, hostGateway: String?) throws -> HostsRecord {
        let separator = value.firstIndex(of: "=") ?? value.firstIndex(of: ":")
        guard let separator else {
            throw BerthError.invalidArgument("bad format for add-host: \"\(value)\"")
        }
        let name = String(value[..<separator])
        var ip = String(value[value.index(after: separator)...])
        if ip.hasPrefix("["), ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        guard !name.isEmpty, !ip.isEmpty else {
            throw BerthError.invalidArgument("bad format for add-host: \"\(value)\"")
        }
        if ip == "host-gateway" {
            guard let hostGateway else {
                throw BerthError.invalidArgument("unable to derive the IP value for host-gateway")
            }
            ip = hostGateway
        } else if IPv4Address(ip) == nil, !ip.contains(":") {
            throw BerthError.invalidArgument("invalid IP address in add-host: \"\(ip)\"")
        }
        return HostsRecord(ip: ip, hosts: name)
    }
}

