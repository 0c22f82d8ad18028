import BerthAPIModel
import BerthNetwork
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NetworkService {
    /// At create: checks the network mode and published ports, and records
    /// what the container asked for (networks, aliases, `--ip`, ports).
    func prepare(containerID: String, name: String, host: HostConfig, config: ContainerConfig,
                 networking: NetworkingConfig?) throws {
        let mode = host.networkMode ?? "bridge"
        var mappings: [PortMapping] = []
        for (key, bindings) in (host.portBindings ?? [:]).sorted(by: { $0.key < $1.key }) {
            let base = try PortSpec.parse(key)
            for mapping in base {
                for binding in bindings.isEmpty ? [PortBinding()] : bindings {
                    mappings.append(PortMapping(containerPort: mapping.containerPort, proto: mapping.proto,
                                                hostIP: binding.hostIp ?? "", hostPort: binding.hostPort ?? ""))
                }
            }
        }
        if host.publishAllPorts == true {
            let bound = Set(mappings.map(\.key))
            for key in (config.exposedPorts ?? [:]).keys.sorted() where !bound.contains(key) {
                mappings += try PortSpec.parse(key)
            }
        }
        try lock.withLock {
            var requests: [String: ContainerNetworking.Request] = [:]
            var order: [String] = []
            let kind = networkKind(mode)
            if kind == "bridge" {
                let primary = try state.lookup(mode)
                var names = [mode]
                // The CLI names the default network "default" in EndpointsConfig.
                let same = { (key: String) in key == mode || key == primary.id || key == primary.name || (primary.isDefault && key == "default") }
                names += (networking?.endpointsConfig ?? [:]).keys.filter { !same($0) }.sorted()
                for term in names {
                    let network = try state.lookup(term)
                    let endpoint = networking?.endpointsConfig?[term] ?? networking?.endpointsConfig?[network.name]
                        ?? (network.id == primary.id ? networking?.endpointsConfig?.first(where: { same($0.key) })?.value : nil)
                    let request = ContainerNetworking.Request(aliases: endpoint?.aliases ?? [],
                                                              ipv4Address: endpoint?.ipamConfig?.iPv4Address.flatMap { $0.isEmpty ? nil : $0 },
                                                              macAddress: endpoint?.macAddress.flatMap { $0.isEmpty ? nil : $0 })
                    if network.isDefault, !request.aliases.isEmpty {
                        throw BerthError.invalidArgument("network-scoped alias is supported only for containers in user defined networks")
                    }
                    if let ip = request.ipv4Address {
                        if network.isDefault || network.ipamConfig.first?.subnet == nil {
                            throw BerthError.invalidArgument("user specified IP address is supported only when connecting to networks with user configured subnets")
                        }
                        guard let address = IPv4Address(ip), network.bridge.subnet.contains(address) else {
                            throw BerthError.invalidArgument("no configured subnet or ip-range contain the IP address \(ip)")
                        }
                    }
                    if requests[network.id] == nil { order.append(network.id) }
                    requests[network.id] = request
                }
            } else if !mappings.isEmpty, kind != "none" {
                // docker: published ports make no sense without our namespace.
                throw BerthError.invalidArgument("conflicting options: port publishing and the container type network mode")
            }
            state.containers[containerID] = ContainerNetworking(name: name, mode: mode, requests: requests, order: order,
                                                                portMappings: kind == "bridge" ? mappings : [])
            try state.save(statePath)
        }
    }

    /// At start: the namespace, one endpoint per requested network (the
    /// first carries the default route), DNS names, published ports, and
    /// the /etc/hosts and /etc/resolv.conf docker would write.
    func setUp(containerID id: String, config: ContainerConfig, host: HostConfig) throws -> Attachment {
        try lock.withLock {
            guard var container = state.containers[id] else {
                throw BerthError.internalError("no network configuration recorded for container \(id)")
            }
            let hostResolv = ResolvConf(parsing: (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? "")
            let overrides = ResolvConf.Overrides(nameservers: host.dns.flatMap { $0.isEmpty ? nil : $0 },
                                                 search: host.dnsSearch.flatMap { $0.isEmpty ? nil : $0 },
                                                 options: host.dnsOptions.flatMap { $0.isEmpty ? nil : $0 })
            let gateway = state.networks.values.first { $0.isDefault }?.bridge.gateway.description
            let extra = try (host.extraHosts ?? []).map { try ContainerFiles.parseExtraHost($0, hostGateway: gateway) }
            let hostname = config.hostname ?? String(id.prefix(12))
            let domain = config.domainname ?? ""
            switch networkKind(container.mode) {
            case "host":
                let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ContainerFiles.hosts(hostname: hostname, ownAddresses: [])
                return Attachment(namespacePath: nil, hosts: hosts + extra.map { "\($0.ip)\t\($0.hosts)\n" }.joined(),
                                  resolvConf: (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? "")
            case "none", "container":
                return Attachment(namespacePath: nil,
                                  hosts: ContainerFiles.hosts(hostname: hostname, domainname: domain, ownAddresses: [], extraHosts: extra),
                                  resolvConf: ResolvConf.forDefaultBridge(host: hostResolv, overrides: overrides))
            default: break
            }
            let linked = try linkRecordsLocked(host.links ?? [], networks: container.order)
            let path = namespacePath(id)
            try? NetworkNamespace.delete(at: path)
            let namespace = try NetworkNamespace.create(at: path)
            container.namespacePath = path
            let userNetworks = container.order.filter { state.networks[$0]?.isDefault == false }
            var resolv = ResolvConf.forDefaultBridge(host: hostResolv, overrides: overrides)
            if !userNetworks.isEmpty {
                let embedded = ResolvConf.forEmbeddedResolver(host: hostResolv, overrides: overrides)
                resolv = embedded.content
                container.dnsUpstreams = embedded.upstreams.map { $0.address }
            }
            state.containers[id] = container
            do {
                // Attaching to a user network starts the embedded DNS.
                for (index, networkID) in container.order.enumerated() {
                    try attachLocked(id, networkID: networkID, namespace: namespace, interface: "eth\(index)", defaultRoute: index == 0)
                }
                container = state.containers[id]!
                if !container.portMappings.isEmpty {
                    container.published = try ports.reserve(containerID: id, mappings: container.portMappings)
                    state.containers[id] = container
                }
                let pending = firewall.rules != rulesLocked()
                try state.save(statePath, durable: false)
                let own = container.order.compactMap { container.endpoints[$0]?.address.description }
                return Attachment(namespacePath: path,
                                  hosts: ContainerFiles.hosts(hostname: hostname, domainname: domain, ownAddresses: Array(own.prefix(1)),
                                                              extraHosts: extra + linked),
                                  resolvConf: resolv, firewallPending: pending)
            } catch {
                teardownLocked(id)
                try? state.save(statePath, durable: false)
                throw error
            }
        }
    }

    /// Legacy links (`--link NAME:ALIAS`, version-1 compose files): an
    /// /etc/hosts record `ADDRESS ALIAS NAME` per link, the address being the
    /// target's on a network this container joins (the default bridge for
    /// links). As docker, the target must be running.
    func linkRecordsLocked(_ links: [String], networks: [String]) throws -> [HostsRecord] {
        try links.map { link in
            let parts = link.split(separator: ":", maxSplits: 1).map { String($0) }
            let target = parts[0].hasPrefix("/") ? String(parts[0].dropFirst()) : parts[0]
            // The daemon's own form is "/target:/container/alias".
            let alias = parts.count > 1 ? String(parts[1].split(separator: "/").last ?? Substring(parts[1])) : target
            guard !target.isEmpty, !alias.isEmpty else {
                throw BerthError.invalidArgument("invalid link \"\(link)\": expected NAME or NAME:ALIAS")
            }
            let found = state.containers.first { key, c in
                key == target || c.name == target || c.name == "/" + target || (target.count >= 12 && key.hasPrefix(target))
            }
            guard let (_, other) = found else {
                throw BerthError.notFound("could not get container for \(target)")
            }
            guard let endpoint = networks.lazy.compactMap({ other.endpoints[$0] }).first else {
                throw BerthError.conflict("Cannot link to a non running container: /\(target) AS \(alias)")
            }
            let name = other.name.hasPrefix("/") ? String(other.name.dropFirst()) : other.name
            return HostsRecord(ip: endpoint.address.description, hosts: alias == name ? alias : "\(alias) \(name)")
        }
    }

    /// One veth into `namespace` on the network, with an address (the
    /// requested one or the next free) and DNS names on user networks.
    func attachLocked(_ id: String, networkID: String, namespace: NetworkNamespace, interface: String, defaultRoute: Bool) throws {
        guard var network = state.networks[networkID], var container = state.containers[id] else {
            throw BerthError.notFound("network \(networkID) not found")
        }
        let request = container.requests[networkID]
        let address = try network.ipam.allocate(owner: id, requested: request?.ipv4Address.flatMap { IPv4Address($0) })
        state.networks[networkID] = network
        do {
            try BridgeDriver.ensureBridge(network.bridge)
            let endpoint = try BridgeDriver.attach(namespace: namespace, network: network.bridge, containerID: id, address: address,
                                                   interfaceName: interface, macAddress: request?.macAddress.flatMap { MACAddress.parse($0) },
                                                   defaultRoute: defaultRoute)
            container.endpoints[networkID] = endpoint
            state.containers[id] = container
            registerDNSLocked(id, container)
            emit("connect", network, container: id)
        } catch {
            network.ipam.release(owner: id)
            state.networks[networkID] = network
            throw error
        }
    }

    func dnsNames(_ container: ContainerNetworking, id: String, networkID: String) -> [String] {
        [container.name] + (container.requests[networkID]?.aliases ?? []) + [String(id.prefix(12))]
    }

    /// DNS names of a container on its user networks (never the default bridge).
    func registerDNSLocked(_ id: String, _ container: ContainerNetworking) {
        dns.records.unregister(containerID: id)
        for (networkID, endpoint) in container.endpoints where state.networks[networkID]?.isDefault == false {
            dns.records.register(network: networkID, containerID: id, names: dnsNames(container, id: id, networkID: networkID),
                                 address: endpoint.address)
        }
        let networks = Set(container.endpoints.keys.filter { state.networks[$0]?.isDefault == false })
        guard let path = container.namespacePath, !networks.isEmpty else { return }
        if dnsServing.contains(id) {
            dns.setNetworks(containerID: id, networks: networks)
        } else if let namespace = try? NetworkNamespace(opening: path) {
            do {
                try dns.start(containerID: id, namespace: namespace, networks: networks,
                              upstreams: container.dnsUpstreams.compactMap { IPv4Address($0).map { DNSUpstream(address: $0) } })
                dnsServing.insert(id)
            } catch {}
        }
    }

    /// At stop (or a failed start): everything `setUp` made is undone.
    public func tearDown(containerID id: String) {
        lock.withLock {
            teardownLocked(id)
            try? state.save(statePath, durable: false)
            try? firewall.reconcile(desired: rulesLocked())
        }
    }

    func teardownLocked(_ id: String) {
        dns.stop(containerID: id)
        dnsServing.remove(id)
        dns.records.unregister(containerID: id)
        ports.release(containerID: id)
        guard var container = state.containers[id] else { return }
        // The container ends of its veths live in its namespace: deleting
        // the namespace file lets the kernel remove both ends of each pair
        // once the container's processes are gone, off this path (`reaper`).
        var retired: [String] = []
        for (networkID, endpoint) in container.endpoints {
            if container.namespacePath != nil { retired.append(endpoint.hostInterface) } else { try? BridgeDriver.detach(endpoint) }
            state.networks[networkID]?.ipam.release(owner: id)
            if let network = state.networks[networkID] { emit("disconnect", network, container: id) }
        }
        if let path = container.namespacePath { try? NetworkNamespace.delete(at: path) }
        reaper.retire(retired)
        container.endpoints = [:]
        container.published = []
        container.namespacePath = nil
        state.containers[id] = container
    }

    /// At remove: the container is forgotten. Saved without fsync: after a
    /// power cut `reconcile(running:known:)` drops what this save lost.
    public func forget(containerID id: String) {
        lock.withLock {
            teardownLocked(id)
            state.containers.removeValue(forKey: id)
            try? state.save(statePath, durable: false)
            try? firewall.reconcile(desired: rulesLocked())
        }
    }

    func rename(containerID id: String, to name: String) {
        lock.withLock {
            guard var container = state.containers[id] else { return }
            container.name = name
            state.containers[id] = container
            registerDNSLocked(id, container)
            try? state.save(statePath)
        }
    }

    /// Inspect's NetworkSettings.
    func networkSettings(containerID id: String, exposed: [String]) -> NetworkSettings {
        lock.withLock {
            var settings = NetworkSettings()
            let container = state.containers[id]
            settings.bridge = ""
            settings.sandboxID = container?.namespacePath == nil ? "" : id
            settings.sandboxKey = container?.namespacePath ?? ""
            settings.hairpinMode = false
            var portMap: PortMap = [:]
            for key in exposed { portMap[key] = [] }
            for port in container?.published ?? [] {
                portMap["\(port.containerPort)/\(port.proto.rawValue)", default: []].append(PortBinding(hostIp: port.hostIP, hostPort: String(port.hostPort)))
            }
            settings.ports = portMap
            settings.ipAddress = ""
            settings.gateway = ""
            settings.macAddress = ""
            settings.ipPrefixLen = 0
            var networks: [String: EndpointSettings] = [:]
            for networkID in container?.order ?? [] {
                guard let network = state.networks[networkID] else { continue }
                var endpoint = EndpointSettings()
                endpoint.networkID = networkID
                let request = container?.requests[networkID]
                endpoint.aliases = network.isDefault ? nil : request?.aliases
                endpoint.ipamConfig = request?.ipv4Address.map { EndpointIPAMConfig(iPv4Address: $0) }
                endpoint.endpointID = ""
                endpoint.gateway = ""
                endpoint.ipAddress = ""
                endpoint.ipPrefixLen = 0
                endpoint.macAddress = ""
                if let live = container?.endpoints[networkID] {
                    endpoint.endpointID = String(live.hostInterface)
                    endpoint.gateway = live.gateway?.description ?? ""
                    endpoint.ipAddress = live.address.description
                    endpoint.ipPrefixLen = live.prefixLength
                    endpoint.macAddress = live.macAddress
                    if network.isDefault || networkID == container?.order.first {
                        settings.ipAddress = endpoint.ipAddress
                        settings.gateway = endpoint.gateway
                        settings.ipPrefixLen = live.prefixLength
                        settings.macAddress = live.macAddress
                    }
                }
                if !network.isDefault, let container { endpoint.dnsNames = dnsNames(container, id: id, networkID: networkID) }
                networks[network.name] = endpoint
            }
            if let mode = container?.mode, ["none", "host"].contains(mode) {
                var endpoint = EndpointSettings()
                endpoint.networkID = mode
                networks[mode] = endpoint
            }
            settings.networks = networks
            return settings
        }
    }

    /// docker ps's ports and network names.
    func summary(containerID id: String) -> (ports: [BerthAPIModel.Port], networks: [String]) {
        lock.withLock {
            guard let container = state.containers[id] else { return ([], []) }
            let ports = container.published.map {
                Port(ip: $0.hostIP, privatePort: $0.containerPort, publicPort: $0.hostPort, type: $0.proto.rawValue)
            }
            return (ports, container.order.compactMap { state.networks[$0]?.name })
        }
    }
}
