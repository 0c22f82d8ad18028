import BerthNetwork
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The engine's networks (moby's `daemon/network.go` with libnetwork's
/// bridge driver): the default `bridge` network on `--bridge` (berth0) and
/// user-defined bridge networks; each running container on them gets a
/// network namespace file (`<exec-root>/netns/<id>`, joined by path in the
/// OCI spec), one veth per network, an address from the network's IPAM,
/// published ports as nftables DNAT rules, and on user networks the
/// embedded DNS at 127.0.0.11. State is one JSON file; the firewall table
/// is rewritten from that state after every change, so a crash leaves
/// nothing that the next start does not reconcile. dockerd's network
/// events (create, connect, disconnect, destroy, prune) go to `events`.
public final class NetworkService: @unchecked Sendable {
    public struct Settings: Sendable {
        public var dataRoot: String
        public var execRoot: String
        /// The default network's bridge device (`--bridge`, daemon.json "bridge").
        public var bridgeName: String
        /// The default bridge's gateway and prefix (`--bip`, "172.18.0.1/16").
        public var bip: String?
        public init(dataRoot: String, execRoot: String, bridgeName: String = "berth0", bip: String? = nil) {
            self.dataRoot = dataRoot
            self.execRoot = execRoot
            self.bridgeName = bridgeName
            self.bip = bip
        }
    }

    /// What a container's start needs: the namespace to join (nil: the
    /// runtime makes a private one, or host networking) and its /etc files.
    public struct Attachment: Sendable {
        public var namespacePath: String?
        public var hosts: String
        public var resolvConf: String
        /// The container's rules (published ports) are not in the firewall
        /// yet: `applyFirewall()` before the container runs. `nft` takes
        /// 10–25 ms, so the engine runs it beside the runtime's create.
        public var firewallPending = false
    }

    /// Brings the firewall to the rules the state implies now (so of two
    /// starts running this at once, the later one never applies an older
    /// table).
    public func applyFirewall() throws {
        try lock.withLock { try firewall.reconcile(desired: rulesLocked()) }
    }

    let settings: Settings
    let events: EventBus?
    let lock = Lock()
    var state: NetworkState
    let firewall: Firewall
    let dns = EmbeddedDNS(records: DNSRecords())
    let ports = PortReservations()
    let forwarding = IPForwarding()
    /// Host ends of the veths of stopped containers, until the kernel has removed them.
    let reaper = LinkReaper()
    /// Containers whose embedded DNS is being served.
    var dnsServing: Set<String> = []
    var statePath: String { settings.dataRoot + "/network/state.json" }
    func namespacePath(_ id: String) -> String { settings.execRoot + "/netns/" + id }

    public init(settings: Settings, events: EventBus? = nil) throws {
        self.settings = settings
        self.events = events
        try FileManager.default.createDirectory(atPath: settings.dataRoot + "/network", withIntermediateDirectories: true)
        state = try NetworkState.load(settings.dataRoot + "/network/state.json")
        firewall = try Firewall(instance: settings.bridgeName)
        try ensureDefaultNetwork()
    }

    /// The `bridge` network on the configured device; its subnet from
    /// `--bip`, else the one it had, else the first default pool that
    /// overlaps no host route and no other network.
    func ensureDefaultNetwork() throws {
        var existing = state.networks.values.first { $0.isDefault }
        if let current = existing, current.bridge.bridgeName != settings.bridgeName || settings.bip.map({ IPv4Subnet(current.bridge.gateway, prefixLength: current.bridge.subnet.prefixLength).description != $0 }) == true {
            state.networks.removeValue(forKey: current.id)
            existing = nil
        }
        guard existing == nil else { return }
        let subnet: IPv4Subnet, gateway: IPv4Address
        if let bip = settings.bip {
            let parsed = try IPv4Subnet(parsing: bip)
            subnet = parsed.masked
            gateway = parsed.address == parsed.network ? IPv4Address(parsed.network.value + 1) : parsed.address
        } else {
            let own = try RouteNetlink().link(named: settings.bridgeName)
            let routes = try RouteNetlink().routes().filter { $0.outputIndex == nil || $0.outputIndex != own?.index }
            subnet = try SubnetPool.pick(inUse: state.networks.values.map(\.bridge.subnet), hostRoutes: routes)
            gateway = IPv4Address(subnet.network.value + 1)
        }
        let id = ContainerService.newID()
        let bridge = BridgeNetwork(id: id, name: "bridge", bridgeName: settings.bridgeName, subnet: subnet, gateway: gateway)
        state.networks[id] = NetworkRecord(bridge: bridge, ipam: try IPAMState(subnet: subnet, gateway: gateway),
                                           created: Timestamp.now(), labels: [:],
                                           options: ["com.docker.network.bridge.name": settings.bridgeName,
                                                     "com.docker.network.bridge.default_bridge": "true"],
                                           ipamConfig: [IPAMConfig(subnet: subnet.description, gateway: gateway.description)],
                                           isDefault: true)
        // Made at once, so its route keeps a daemon started next from picking the same subnet.
        try BridgeDriver.ensureBridge(bridge)
        try state.save(statePath)
    }

    /// At daemon start, after the containers were restored: endpoints of
    /// containers that are not running any more are removed (a crash left
    /// them), bridges are made to exist, the DNS of running containers is
    /// served again, and the firewall table is rewritten from the state.
    /// Containers the engine does not know (`known`) are forgotten: their
    /// removal is saved without fsync (`forget`), so a power cut may have
    /// left them here.
    public func reconcile(running: Set<String>, known: Set<String>? = nil) throws {
        try lock.withLock {
            for network in state.networks.values { try BridgeDriver.ensureBridge(network.bridge) }
            for (id, container) in state.containers where !running.contains(id) {
                if !container.endpoints.isEmpty || container.namespacePath != nil { teardownLocked(id) }
            }
            if let known {
                for id in state.containers.keys where !known.contains(id) { state.containers.removeValue(forKey: id) }
            }
            for (id, container) in state.containers where running.contains(id) {
                if !container.published.isEmpty {
                    let mappings = container.published.map {
                        PortMapping(containerPort: $0.containerPort, proto: $0.proto, hostIP: $0.hostIP, hostPort: String($0.hostPort))
                    }
                    _ = try? ports.reserve(containerID: id, mappings: mappings)
                }
                registerDNSLocked(id, container)
            }
            try state.save(statePath)
            if state.networks.values.contains(where: { !$0.bridge.isInternal }) { try? forwarding.enable() }
            try firewall.reconcile(desired: rulesLocked())
        }
    }

    /// Daemon shutdown: stops the DNS servers; when no container is left
    /// running, removes every bridge and the firewall table too (the next
    /// start makes them again), so a stopped daemon leaves no trace.
    public func shutdown(anyRunning: Bool) {
        dns.stopAll()
        lock.withLock { dnsServing = [] }
        reaper.drain()
        guard !anyRunning else { return }
        lock.withLock {
            for network in state.networks.values { try? BridgeDriver.removeBridge(named: network.bridge.bridgeName) }
            try? firewall.removeAll()
            try? forwarding.restore()
        }
        // The shared bind mount that holds the namespace files (made by the
        // first container's namespace): gone with the last of them.
        let directory = settings.execRoot + "/netns"
        if ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty {
            _ = umount2(directory, Int32(MNT_DETACH))
        }
    }

    func rulesLocked() -> FirewallRules {
        var forwards: [PortForward] = []
        for (id, container) in state.containers {
            guard let first = container.order.first(where: { container.endpoints[$0] != nil }),
                  let endpoint = container.endpoints[first] else { continue }
            forwards += container.published.map { $0.forward(containerID: id, to: endpoint.address) }
        }
        return FirewallRules(networks: state.networks.values.map(\.bridge).sorted { $0.bridgeName < $1.bridgeName }, ports: forwards)
    }

    /// moby's `LogNetworkEvent`: the network's ID, `name` and `type`
    /// (the driver), and the `container` of connect/disconnect.
    func emit(_ action: String, _ network: NetworkRecord, container: String? = nil) {
        guard let events else { return }
        var attributes = ["name": network.name, "type": "bridge"]
        if let container { attributes["container"] = container }
        events.publish(type: "network", action: action, id: network.id, attributes: attributes)
    }

    func networkKind(_ mode: String) -> String {
        if ["none", "host"].contains(mode) || mode.hasPrefix("container:") { return mode.hasPrefix("container:") ? "container" : mode }
        return "bridge"
    }
}
