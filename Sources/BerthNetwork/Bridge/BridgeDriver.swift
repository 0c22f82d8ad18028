import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// Creates bridges and attaches network namespaces to them over rtnetlink,
/// never spawning `ip`: a container's attach is about ten netlink messages
/// and one short-lived thread (the socket inside its namespace).
public enum BridgeDriver {
    /// Makes the bridge exist, up, with the gateway address, and ready for
    /// published ports from 127.0.0.1 (route_localnet; see Firewall).
    /// Idempotent: after a daemon restart it finds the bridge as it left it.
    public static func ensureBridge(_ network: BridgeNetwork) throws {
        let netlink = try RouteNetlink()
        var link = try netlink.link(named: network.bridgeName)
        if link == nil {
            do {
                try netlink.createBridge(name: network.bridgeName, mtu: network.mtu)
            } catch let error as SystemError where error.errno == EEXIST {
                // Created meanwhile by a concurrent attach: fine.
            }
            link = try netlink.link(named: network.bridgeName)
        }
        guard let bridge = link else {
            throw BerthError.internalError("bridge \(network.bridgeName) vanished after creation")
        }
        guard bridge.kind == nil || bridge.kind == "bridge" else {
            throw BerthError.conflict("cannot use \(network.bridgeName) for network \(network.name): it exists and is a \(bridge.kind!) device, not a bridge")
        }
        let present = try netlink.addresses().filter { $0.linkIndex == bridge.index }.map(\.address)
        if !present.contains(network.gatewayAddress) {
            try netlink.addAddress(network.gatewayAddress, linkIndex: bridge.index)
        }
        // Host-originated traffic to 127.0.0.1:<published port> is DNATed to
        // the container and leaves by the bridge with source 127.0.0.1; the
        // kernel drops that as martian unless route_localnet is set on the
        // output device (docker does the same with userland-proxy=false).
        try Sysctl.write("net/ipv4/conf/\(network.bridgeName)/route_localnet", "1")
        if !bridge.isUp { try netlink.setLink(index: bridge.index, up: true) }
    }

    /// Deletes the bridge (its veth ports go with their namespaces).
    /// A missing bridge is fine: removal is repeatable.
    public static func removeBridge(named name: String) throws {
        do {
            try RouteNetlink().deleteLink(name: name)
        } catch let error as SystemError where error.errno == ENODEV {
        }
    }

    /// Plugs the namespace into the network: a veth pair whose container end
    /// is created directly inside the namespace as `interfaceName`, the host
    /// end enslaved to the bridge with hairpin mode on, the address, lo up,
    /// and the default route via the gateway when `defaultRoute` (only one
    /// network of a container should carry it; never an internal one).
    public static func attach(namespace: NetworkNamespace, network: BridgeNetwork, containerID: String,
                              address: IPv4Address, interfaceName: String = "eth0",
                              macAddress: [UInt8]? = nil, defaultRoute: Bool = true) throws -> Endpoint {
        let host = try RouteNetlink()
        let bridgeIndex = try host.linkIndex(named: network.bridgeName)
        let mac = macAddress ?? MACAddress.forIPv4(address)
        var hostName = ""
        for attempt in 0..<8 {
            hostName = "veth" + randomHex(7)
            do {
                try host.createVethPair(name: hostName, peerName: interfaceName, peerNamespace: namespace,
                                        mtu: network.mtu, peerMAC: mac)
                break
            } catch let error as SystemError where error.errno == EEXIST && attempt < 7 {
                // A host name collision retries; "eth0 exists in the netns"
                // surfaces after the retries with the netlink error.
                continue
            }
        }
        do {
            let vethIndex = try host.linkIndex(named: hostName)
            try host.setMaster(index: vethIndex, bridgeIndex: bridgeIndex)
            try host.setHairpin(index: vethIndex, enabled: true)
            try host.setLink(index: vethIndex, up: true)

            let inside = try RouteNetlink(namespace: namespace)
            if let lo = try inside.link(named: "lo"), !lo.isUp { try inside.setLink(index: lo.index, up: true) }
            let index = try inside.linkIndex(named: interfaceName)
            try inside.addAddress(IPv4Subnet(address, prefixLength: network.subnet.prefixLength), linkIndex: index)
            try inside.setLink(index: index, up: true)
            let routed = defaultRoute && !network.isInternal
            if routed {
                try inside.addRoute(destination: IPv4Subnet(IPv4Address(0), prefixLength: 0),
                                    gateway: network.gateway, outputIndex: index)
            }
            return Endpoint(networkID: network.id, containerID: containerID, hostInterface: hostName,
                            interfaceName: interfaceName, address: address,
                            prefixLength: network.subnet.prefixLength,
                            gateway: network.isInternal ? nil : network.gateway,
                            macAddress: MACAddress.string(mac), bridgeName: network.bridgeName)
        } catch {
            // Leave nothing half-made: deleting the host end deletes the pair.
            try? host.deleteLink(name: hostName)
            throw BerthError(.internalError, "attach container \(containerID.prefix(12)) to network \(network.name)", cause: error)
        }
    }

    /// Unplugs an endpoint: deletes the veth pair. When the container's
    /// namespace is already gone the kernel deleted the pair with it, which
    /// is not an error.
    public static func detach(_ endpoint: Endpoint) throws {
        do {
            try RouteNetlink().deleteLink(name: endpoint.hostInterface)
        } catch let error as SystemError where error.errno == ENODEV {
        }
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }
}
