/// One published port as the firewall forwards it: traffic to
/// hostIP:hostPort (every local address when hostIP is nil) goes to
/// containerIP:containerPort.
public struct PortForward: Hashable, Codable, Sendable {
    public var containerID: String
    public var proto: PortProtocol
    public var hostIP: IPv4Address?
    public var hostPort: UInt16
    public var containerIP: IPv4Address
    public var containerPort: UInt16

    public init(containerID: String, proto: PortProtocol, hostIP: IPv4Address?, hostPort: UInt16,
                containerIP: IPv4Address, containerPort: UInt16) {
        self.containerID = containerID
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerIP = containerIP
        self.containerPort = containerPort
    }
}

/// Everything the firewall must do for one daemon: its networks and the
/// published ports of its running containers. The engine can rebuild it
/// from its own state at any time, which is what makes `reconcile` after a
/// crash possible.
public struct FirewallRules: Equatable, Sendable {
    public var networks: [BridgeNetwork]
    public var ports: [PortForward]

    public init(networks: [BridgeNetwork] = [], ports: [PortForward] = []) {
        self.networks = networks
        self.ports = ports
    }

    /// True when some network needs the host to route (ip_forward).
    public var needsForwarding: Bool { networks.contains { !$0.isInternal } }

    /// The nftables table, as text for `nft -f -`. Chains:
    /// - guard (prerouting, raw): packets from a bridge to 127.0.0.0/8 are
    ///   dropped, since route_localnet on the bridge would otherwise let
    ///   containers reach the host's loopback-only services (CVE-2020-8558).
    /// - prerouting/output (nat): traffic to a local address jumps to
    ///   `published`, so published ports work from outside (prerouting) and
    ///   from the host itself, 127.0.0.1 included (output). Traffic from
    ///   containers passes prerouting too, which is the hairpin path.
    /// - postrouting (nat): masquerade containers going out by any other
    ///   interface; masquerade 127.0.0.0/8 sources entering a bridge
    ///   (host loopback → container: the container cannot answer 127.0.0.1);
    ///   masquerade DNATed traffic from a bridge's own subnet going back into
    ///   it (hairpin: without it the peer would answer directly, bypassing
    ///   the DNAT, and the connection would break).
    /// - forward (filter): networks cannot reach each other except through
    ///   published ports (ct status dnat); internal networks reach nothing
    ///   beyond their bridge.
    public func render(table: String) -> String {
        let bridges = networks.map(\.bridgeName)
        var out = "table ip \(table) {\n"
        func chain(_ name: String, _ hook: String?, _ rules: [String]) {
            out += "\tchain \(name) {\n"
            if let hook { out += "\t\t\(hook); policy accept;\n" }
            for rule in rules { out += "\t\t\(rule)\n" }
            out += "\t}\n"
        }
        chain("guard", "type filter hook prerouting priority raw",
              bridges.isEmpty ? [] : ["iifname \(set(bridges)) ip daddr 127.0.0.0/8 drop"])
        chain("prerouting", "type nat hook prerouting priority dstnat", ["fib daddr type local jump published"])
        chain("output", "type nat hook output priority -100", ["fib daddr type local jump published"])
        chain("published", nil, ports.sorted(by: PortForward.order).map { port in
            let daddr = port.hostIP.map { "ip daddr \($0) " } ?? ""
            return "\(daddr)\(port.proto.rawValue) dport \(port.hostPort) dnat to \(port.containerIP):\(port.containerPort)"
        })
        var postrouting: [String] = []
        for network in networks {
            let bridge = quote(network.bridgeName)
            if !network.isInternal {
                postrouting.append("ip saddr \(network.subnet.masked) oifname != \(bridge) masquerade")
            }
            postrouting.append("oifname \(bridge) ip saddr 127.0.0.0/8 masquerade")
            postrouting.append("oifname \(bridge) ip saddr \(network.subnet.masked) ct status dnat masquerade")
        }
        chain("postrouting", "type nat hook postrouting priority srcnat", postrouting)
        var forward: [String] = []
        for network in networks {
            let bridge = quote(network.bridgeName)
            if network.isInternal {
                forward.append("iifname \(bridge) oifname != \(bridge) drop")
                forward.append("oifname \(bridge) iifname != \(bridge) drop")
                continue
            }
            let others = bridges.filter { $0 != network.bridgeName }
            if !others.isEmpty {
                forward.append("iifname \(bridge) oifname \(set(others)) ct status & dnat == 0 drop")
            }
        }
        chain("forward", "type filter hook forward priority filter", forward)
        return out + "}\n"
    }

    private func quote(_ name: String) -> String { "\"\(name)\"" }
    private func set(_ names: [String]) -> String { "{ " + names.map(quote).joined(separator: ", ") + " }" }
}

extension PortForward {
    static func order(_ a: PortForward, _ b: PortForward) -> Bool {
        (a.hostPort, a.proto.rawValue, a.hostIP?.value ?? 0) < (b.hostPort, b.proto.rawValue, b.hostIP?.value ?? 0)
    }
}
