import BerthNetwork
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NetworkService {
    /// docker network create (bridge driver only): subnet, gateway,
    /// ip-range from the first IPAM config, else a free default pool.
    func create(_ request: NetworkCreateRequest) throws -> NetworkCreateResponse {
        guard let name = request.name, !name.isEmpty else { throw BerthError.invalidArgument("network name is required") }
        let driver = request.driver.flatMap { $0.isEmpty ? nil : $0 } ?? "bridge"
        guard driver == "bridge" else {
            throw BerthError.notFound("plugin \"\(driver)\" not found: berth supports the bridge driver only")
        }
        if ["bridge", "host", "none"].contains(name) {
            throw BerthError(.forbidden, "\(name) is a pre-defined network and cannot be created")
        }
        return try lock.withLock {
            if state.networks.values.contains(where: { $0.name == name }) {
                throw BerthError.conflict("network with name \(name) already exists")
            }
            let config = request.ipam?.config?.first
            let others = state.networks.values.map(\.bridge.subnet)
            let subnet: IPv4Subnet
            if let text = config?.subnet, !text.isEmpty {
                let parsed = try IPv4Subnet(parsing: text)
                guard parsed.address == parsed.network else {
                    throw BerthError.invalidArgument("invalid subnet \(text): it should be \(parsed.masked)")
                }
                if let other = state.networks.values.first(where: { $0.bridge.subnet.overlaps(parsed) }) {
                    throw BerthError(.forbidden, "invalid pool request: Pool overlaps with other one on this address space (network \(other.name))")
                }
                subnet = parsed
            } else {
                subnet = try SubnetPool.pick(inUse: others, hostRoutes: try RouteNetlink().routes())
            }
            var gateway: IPv4Address? = nil
            if let text = config?.gateway, !text.isEmpty {
                guard let address = IPv4Address(text) else { throw BerthError.invalidArgument("invalid gateway address \(text)") }
                gateway = address
            }
            let range = try config?.ipRange.flatMap { $0.isEmpty ? nil : try IPv4Subnet(parsing: $0) }
            let ipam = try IPAMState(subnet: subnet, gateway: gateway, ipRange: range)
            let id = ContainerService.newID()
            var options = request.options ?? [:]
            let bridgeName = options["com.docker.network.bridge.name"] ?? BridgeNetwork.bridgeName(forNetworkID: id)
            options["com.docker.network.bridge.name"] = nil
            let mtu = options["com.docker.network.driver.mtu"].flatMap { UInt32($0) }
            let bridge = BridgeNetwork(id: id, name: name, bridgeName: bridgeName, subnet: subnet, gateway: ipam.gateway,
                                       isInternal: request.internal ?? false, mtu: mtu)
            let record = NetworkRecord(bridge: bridge, ipam: ipam, created: Timestamp.now(), labels: request.labels ?? [:],
                                       options: request.options ?? [:],
                                       ipamConfig: config?.subnet == nil ? [] : [IPAMConfig(subnet: subnet.description, ipRange: range?.description,
                                                                                            gateway: ipam.gateway.description)],
                                       isDefault: false)
            try BridgeDriver.ensureBridge(bridge)
            state.networks[id] = record
            do {
                try state.save(statePath)
                if !bridge.isInternal { try? forwarding.enable() }
                try firewall.reconcile(desired: rulesLocked())
            } catch {
                state.networks.removeValue(forKey: id)
                try? BridgeDriver.removeBridge(named: bridgeName)
                throw error
            }
            emit("create", record)
            return NetworkCreateResponse(id: id, warning: "")
        }
    }

    /// The API's view of a network; `host` and `none` are listed as docker does.
    func describe(_ record: NetworkRecord) -> Network {
        var network = Network()
        network.name = record.name
        network.id = record.id
        network.created = record.created
        network.scope = "local"
        network.driver = "bridge"
        network.enableIPv4 = true
        network.enableIPv6 = false
        let config = record.ipamConfig.isEmpty
            ? [IPAMConfig(subnet: record.bridge.subnet.description, gateway: record.bridge.gateway.description)] : record.ipamConfig
        network.ipam = IPAM(driver: "default", config: config, options: [:])
        network.internal = record.bridge.isInternal
        network.attachable = false
        network.ingress = false
        network.configFrom = ConfigReference(network: "")
        network.configOnly = false
        var containers: [String: NetworkContainer] = [:]
        for (id, container) in state.containers {
            guard let endpoint = container.endpoints[record.id] else { continue }
            containers[id] = NetworkContainer(name: container.name, endpointID: endpoint.hostInterface, macAddress: endpoint.macAddress,
                                              iPv4Address: endpoint.cidr, iPv6Address: "")
        }
        network.containers = containers
        network.options = record.options
        network.labels = record.labels
        return network
    }

    static func special(_ name: String) -> Network {
        var network = Network()
        network.name = name
        network.id = String(repeating: name == "host" ? "1" : "2", count: 64)
        network.created = "0001-01-01T00:00:00Z"
        network.scope = "local"
        network.driver = name == "host" ? "host" : "null"
        network.ipam = IPAM(driver: "default", config: [], options: [:])
        network.containers = [:]
        network.options = [:]
        network.labels = [:]
        network.internal = false
        return network
    }

    func list(filters: Filters) -> [Network] {
        lock.withLock {
            var all = state.networks.values.sorted { $0.created < $1.created }.map(describe)
            all += [Self.special("host"), Self.special("none")]
            return all.filter { network in
                if case let names = filters.values("name"), !names.isEmpty, !names.contains(where: { network.name?.contains($0) == true }) { return false }
                if case let ids = filters.values("id"), !ids.isEmpty, !ids.contains(where: { network.id?.hasPrefix($0) == true }) { return false }
                if case let drivers = filters.values("driver"), !drivers.isEmpty, !drivers.contains(network.driver ?? "") { return false }
                if case let labels = filters.values("label"), !labels.isEmpty {
                    for label in labels {
                        let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                        guard let value = network.labels?[parts[0]] else { return false }
                        if parts.count == 2, value != parts[1] { return false }
                    }
                }
                if case let types = filters.values("type"), !types.isEmpty {
                    let custom = !["bridge", "host", "none"].contains(network.name ?? "")
                    if !types.contains(custom ? "custom" : "builtin") { return false }
                }
                return true
            }
        }
    }

    func inspect(_ term: String) throws -> Network {
        if term == "host" || term == "none" { return Self.special(term) }
        return try lock.withLock { describe(try state.lookup(term)) }
    }

    /// Containers (any state) that name the network.
    func users(of networkID: String) -> [String] {
        state.containers.filter { $0.value.requests[networkID] != nil }.map(\.key).sorted()
    }

    func remove(_ term: String, running: Set<String>) throws {
        if term == "host" || term == "none" {
            throw BerthError(.forbidden, "\(term) is a pre-defined network and cannot be removed")
        }
        try lock.withLock {
            let record = try state.lookup(term)
            if record.isDefault { throw BerthError(.forbidden, "bridge is a pre-defined network and cannot be removed") }
            let active = users(of: record.id).filter { running.contains($0) || state.containers[$0]?.endpoints[record.id] != nil }
            if !active.isEmpty {
                throw BerthError(.forbidden, "error while removing network: network \(record.name) has active endpoints (\(active.map { state.containers[$0]?.name ?? $0 }.joined(separator: ", ")))")
            }
            for id in users(of: record.id) {
                state.containers[id]?.requests.removeValue(forKey: record.id)
                state.containers[id]?.order.removeAll { $0 == record.id }
            }
            state.networks.removeValue(forKey: record.id)
            try state.save(statePath)
            try? BridgeDriver.removeBridge(named: record.bridge.bridgeName)
            emit("destroy", record)
            try firewall.reconcile(desired: rulesLocked())
        }
    }

    func prune(running: Set<String>) -> [String] {
        let candidates = lock.withLock {
            state.networks.values.filter { !$0.isDefault && users(of: $0.id).allSatisfy { !running.contains($0) && state.containers[$0]?.endpoints.isEmpty != false } && users(of: $0.id).isEmpty }
                .map(\.name)
        }
        let removed = candidates.filter { (try? remove($0, running: running)) != nil }.sorted()
        // dockerd reports no space for networks.
        events?.publish(type: "network", action: "prune", id: "", attributes: ["reclaimed": "0"])
        return removed
    }

    /// docker network connect: recorded for a stopped container, plugged
    /// in at once (a new ethN, no default route) for a running one.
    func connect(_ term: String, containerID id: String, running: Bool, endpoint: EndpointSettings?) throws {
        try lock.withLock {
            let network = try state.lookup(term)
            guard var container = state.containers[id] else { throw BerthError.notFound("No such container: \(id)") }
            guard networkKind(container.mode) == "bridge" else {
                throw BerthError(.forbidden, "container cannot be disconnected from host network or connected to host network")
            }
            if container.requests[network.id] != nil {
                throw BerthError(.forbidden, "endpoint with name \(container.name) already exists in network \(network.name)")
            }
            let request = ContainerNetworking.Request(aliases: endpoint?.aliases ?? [],
                                                      ipv4Address: endpoint?.ipamConfig?.iPv4Address.flatMap { $0.isEmpty ? nil : $0 },
                                                      macAddress: nil)
            if network.isDefault, !request.aliases.isEmpty {
                throw BerthError.invalidArgument("network-scoped alias is supported only for containers in user defined networks")
            }
            container.requests[network.id] = request
            container.order.append(network.id)
            state.containers[id] = container
            if running, let path = container.namespacePath {
                do {
                    let namespace = try NetworkNamespace(opening: path)
                    try attachLocked(id, networkID: network.id, namespace: namespace,
                                     interface: "eth\(container.endpoints.count)", defaultRoute: false)
                } catch {
                    state.containers[id]?.requests.removeValue(forKey: network.id)
                    state.containers[id]?.order.removeAll { $0 == network.id }
                    throw error
                }
            }
            try state.save(statePath)
        }
    }

    func disconnect(_ term: String, containerID id: String) throws {
        try lock.withLock {
            let network = try state.lookup(term)
            guard var container = state.containers[id], container.requests[network.id] != nil else {
                throw BerthError(.forbidden, "container \(id) is not connected to network \(term)")
            }
            if let endpoint = container.endpoints.removeValue(forKey: network.id) {
                try? BridgeDriver.detach(endpoint)
                state.networks[network.id]?.ipam.release(owner: id)
            }
            // dockerd reports it for a stopped container too.
            emit("disconnect", network, container: id)
            container.requests.removeValue(forKey: network.id)
            container.order.removeAll { $0 == network.id }
            state.containers[id] = container
            registerDNSLocked(id, container)
            try state.save(statePath)
            try firewall.reconcile(desired: rulesLocked())
        }
    }
}
