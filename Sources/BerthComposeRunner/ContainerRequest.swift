import BerthAPIModel
import BerthCompose
import BerthSystem

/// A service's container as the Engine API's create body (compose's
/// getCreateConfigs): pure, so the mapping is tested without a daemon.
public struct ContainerRequest {
    public let project: Project
    /// The IDs of running containers of other services, for
    /// `network_mode`/`pid`/`ipc: service:x` and `volumes_from`.
    public var containerOf: (String) -> String? = { _ in nil }

    public init(project: Project) { self.project = project }

    /// The image a service runs: `image`, else `<project>-<service>` (what
    /// `build` tags).
    public func imageName(_ service: String) -> String {
        project.services[service]?.image ?? "\(project.name)-\(service)"
    }

    /// The networks a service joins, as (engine name, endpoint settings), the
    /// one with the highest priority (then by name) first: the create body
    /// takes that one, the rest are connected before start (older daemons
    /// accept one endpoint at create).
    public func endpoints(_ name: String, oneoff: Bool = false) -> [(network: String, settings: EndpointSettings)] {
        guard let s = project.services[name], s.networkMode == nil else { return [] }
        let keys = s.networks.isEmpty ? ["default"] : Array(s.networks.keys)
        let sorted = keys.sorted { a, b in
            let pa = s.networks[a]?.priority ?? 0, pb = s.networks[b]?.priority ?? 0
            return pa != pb ? pa > pb : a < b
        }
        return sorted.map { key in
            let n = s.networks[key] ?? ServiceNetwork()
            var e = EndpointSettings()
            // The service name is an alias (so `db` resolves), not for one-off containers.
            e.aliases = (oneoff ? [] : [name]) + n.aliases
            if n.ipv4Address != nil || n.ipv6Address != nil || !n.linkLocalIps.isEmpty {
                e.ipamConfig = EndpointIPAMConfig(iPv4Address: n.ipv4Address, iPv6Address: n.ipv6Address,
                                                  linkLocalIPs: n.linkLocalIps.isEmpty ? nil : n.linkLocalIps)
            }
            e.macAddress = n.macAddress
            if !n.driverOpts.isEmpty { e.driverOpts = n.driverOpts }
            return (project.networks[key]?.name ?? "\(project.name)_\(key)", e)
        }
    }

    /// The create body for `spec` (a container of `spec.service`).
    public func create(_ spec: ContainerSpec, oneoff: Bool = false) throws -> ContainerCreateRequest {
        guard let s = project.services[spec.service] else { throw BerthError.notFound("no such service: \(spec.service)") }
        var r = ContainerCreateRequest()
        r.image = imageName(spec.service)
        r.cmd = s.command
        r.entrypoint = s.entrypoint
        r.env = s.environment.keys.sorted().map { "\($0)=\(s.environment[$0]!)" }
        r.labels = spec.labels
        r.hostname = s.hostname
        r.domainname = s.domainname
        r.user = s.user
        r.workingDir = s.workingDir
        r.tty = s.tty
        r.openStdin = s.stdinOpen
        r.stopSignal = s.stopSignal
        r.stopTimeout = s.stopGracePeriod.map { Int($0.nanoseconds / 1_000_000_000) }
        r.macAddress = s.macAddress
        r.healthcheck = s.healthcheck.map(Self.health)
        var exposed: [String: JSONValue] = [:]
        for p in s.ports { exposed["\(p.target)/\(p.protocol)"] = .object([:]) }
        for e in s.expose { exposed[e.contains("/") ? e : e + "/tcp"] = .object([:]) }
        if !exposed.isEmpty { r.exposedPorts = exposed }
        r.hostConfig = try hostConfig(spec.service, s)
        if let first = endpoints(spec.service, oneoff: oneoff).first {
            r.networkingConfig = NetworkingConfig(endpointsConfig: [first.network: first.settings])
        }
        return r
    }

    static func mount(target: String, source: String? = nil, type: String, readOnly: Bool) -> Mount {
        var m = Mount()
        m.target = target
        m.source = source
        m.type = type
        m.readOnly = readOnly ? true : nil
        return m
    }

    static func health(_ h: HealthCheck) -> HealthConfig {
        HealthConfig(test: h.test, interval: h.interval?.nanoseconds, timeout: h.timeout?.nanoseconds, retries: h.retries,
                     startPeriod: h.startPeriod?.nanoseconds, startInterval: h.startInterval?.nanoseconds)
    }

    func hostConfig(_ name: String, _ s: Service) throws -> HostConfig {
        var h = HostConfig()
        var binds: [String] = []
        var mounts: [Mount] = []
        for v in s.volumes {
            switch v.type {
            case "volume":
                if let source = v.source {
                    let engineName = project.volumes[source]?.name ?? source
                    var m = Self.mount(target: v.target, source: engineName, type: "volume", readOnly: v.readOnly)
                    if let o = v.volume, o.nocopy != nil || o.subpath != nil {
                        m.volumeOptions = Mount.VolumeOptions(noCopy: o.nocopy, subpath: o.subpath)
                    }
                    mounts.append(m)
                } else {
                    mounts.append(Self.mount(target: v.target, type: "volume", readOnly: v.readOnly))
                }
            case "bind":
                // Binds create a missing host path; a bind Mount does not.
                let source = v.source ?? ""
                var options: [String] = v.readOnly ? ["ro"] : []
                if let p = v.bind?.propagation { options.append(p) }
                if let z = v.bind?.selinux { options.append(z) }
                if v.bind?.createHostPath ?? true {
                    binds.append(([source, v.target] + (options.isEmpty ? [] : [options.joined(separator: ",")])).joined(separator: ":"))
                } else {
                    var m = Self.mount(target: v.target, source: source, type: "bind", readOnly: v.readOnly)
                    if let p = v.bind?.propagation { m.bindOptions = Mount.BindOptions(propagation: p) }
                    mounts.append(m)
                }
            case "tmpfs":
                var m = Self.mount(target: v.target, type: "tmpfs", readOnly: v.readOnly)
                if let t = v.tmpfs { m.tmpfsOptions = Mount.TmpfsOptions(sizeBytes: t.size, mode: t.mode.map(Int.init)) }
                mounts.append(m)
            default:
                throw BerthError.invalidArgument("services.\(name).volumes: type \(v.type) is not supported")
            }
        }
        // File secrets and configs are bind-mounted read-only (compose's
        // non-swarm secrets): /run/secrets/<name>, configs at /<name>.
        for ref in s.secrets {
            guard let file = project.secrets[ref.source]?.file else {
                throw BerthError.invalidArgument("services.\(name).secrets: secret \(ref.source) has no file (only file secrets are supported)")
            }
            let target = ref.target.map { $0.hasPrefix("/") ? $0 : "/run/secrets/" + $0 } ?? "/run/secrets/" + ref.source
            mounts.append(Self.mount(target: target, source: file, type: "bind", readOnly: true))
        }
        for ref in s.configs {
            guard let file = project.configs[ref.source]?.file else {
                throw BerthError.invalidArgument("services.\(name).configs: config \(ref.source) has no file (only file configs are supported)")
            }
            mounts.append(Self.mount(target: ref.target ?? "/" + ref.source, source: file, type: "bind", readOnly: true))
        }
        if !binds.isEmpty { h.binds = binds }
        if !mounts.isEmpty { h.mounts = mounts }
        var bindings: [String: [PortBinding]] = [:]
        for p in s.ports {
            bindings["\(p.target)/\(p.protocol)", default: []].append(PortBinding(hostIp: p.hostIp ?? "", hostPort: p.published ?? ""))
        }
        if !bindings.isEmpty { h.portBindings = bindings }
        h.restartPolicy = Self.restartPolicy(s.restart)
        h.networkMode = try networkMode(name, s)
        h.pidMode = try resolve(s.pid, "pid", name)
        h.ipcMode = try resolve(s.ipc, "ipc", name)
        h.utsMode = s.uts
        h.usernsMode = s.usernsMode
        h.capAdd = s.capAdd.isEmpty ? nil : s.capAdd
        h.capDrop = s.capDrop.isEmpty ? nil : s.capDrop
        h.privileged = s.privileged
        h.readonlyRootfs = s.readOnly
        h.`init` = s.initProcess
        if !s.tmpfs.isEmpty {
            h.tmpfs = Dictionary(s.tmpfs.map { entry -> (String, String) in
                let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { a, _ in a })
        }
        if !s.ulimits.isEmpty {
            h.ulimits = s.ulimits.keys.sorted().map { HostConfig.Ulimits(name: $0, soft: Int(s.ulimits[$0]!.soft), hard: Int(s.ulimits[$0]!.hard)) }
        }
        let limits = s.deploy?.resources.limits
        h.memory = s.memLimit ?? limits?.memory
        h.memoryReservation = s.memReservation ?? s.deploy?.resources.reservations?.memory
        h.memorySwap = s.memswapLimit
        h.memorySwappiness = s.memSwappiness.map(Int64.init)
        h.nanoCpus = (s.cpus ?? limits?.cpus).map { Int64(($0 * 1e9).rounded()) }
        h.cpuShares = s.cpuShares.map(Int.init)
        h.cpusetCpus = s.cpuset
        h.cpuPeriod = s.cpuPeriod
        h.cpuQuota = s.cpuQuota
        h.cpuRealtimePeriod = s.cpuRtPeriod
        h.cpuRealtimeRuntime = s.cpuRtRuntime
        h.cpuCount = s.cpuCount
        h.cpuPercent = s.cpuPercent.map(Int64.init)
        h.pidsLimit = s.pidsLimit ?? limits?.pids
        h.oomKillDisable = s.oomKillDisable
        h.oomScoreAdj = s.oomScoreAdj
        h.shmSize = s.shmSize
        h.cgroupnsMode = s.cgroup
        h.cgroupParent = s.cgroupParent
        h.runtime = s.runtime
        h.extraHosts = s.extraHosts.isEmpty ? nil : s.extraHosts
        h.dns = s.dns.isEmpty ? nil : s.dns
        h.dnsSearch = s.dnsSearch.isEmpty ? nil : s.dnsSearch
        h.dnsOptions = s.dnsOpt.isEmpty ? nil : s.dnsOpt
        h.sysctls = s.sysctls.isEmpty ? nil : s.sysctls
        h.securityOpt = s.securityOpt.isEmpty ? nil : s.securityOpt
        h.groupAdd = s.groupAdd.isEmpty ? nil : s.groupAdd
        h.deviceCgroupRules = s.deviceCgroupRules.isEmpty ? nil : s.deviceCgroupRules
        if !s.devices.isEmpty {
            h.devices = s.devices.map { spec in
                let parts = spec.split(separator: ":").map(String.init)
                return DeviceMapping(pathOnHost: parts[0], pathInContainer: parts.count > 1 ? parts[1] : parts[0],
                                     cgroupPermissions: parts.count > 2 ? parts[2] : "rwm")
            }
        }
        h.links = s.links.isEmpty ? nil : s.links.map { link in
            let parts = link.split(separator: ":", maxSplits: 1).map(String.init)
            return "\(containerOf(parts[0]) ?? parts[0]):\(parts.count > 1 ? parts[1] : parts[0])"
        }
        h.volumesFrom = try s.volumesFrom.isEmpty ? nil : s.volumesFrom.map { from in
            if from.hasPrefix("container:") { return String(from.dropFirst("container:".count)) }
            let parts = from.split(separator: ":", maxSplits: 1).map(String.init)
            guard let id = containerOf(parts[0]) else {
                throw BerthError.invalidArgument("services.\(name).volumes_from: service \(parts[0]) has no container")
            }
            return parts.count > 1 ? "\(id):\(parts[1])" : id
        }
        if let logging = s.logging {
            h.logConfig = HostConfig.LogConfig(type: logging.driver ?? "json-file", config: logging.options.isEmpty ? nil : logging.options)
        }
        return h
    }

    /// `network_mode`, with `service:x` resolved to x's container; else the
    /// first network's engine name.
    func networkMode(_ name: String, _ s: Service) throws -> String? {
        if let mode = s.networkMode { return try resolve(mode, "network_mode", name) }
        return endpoints(name).first?.network
    }

    /// `service:x` → `container:<id>`.
    func resolve(_ mode: String?, _ key: String, _ name: String) throws -> String? {
        guard let mode, mode.hasPrefix("service:") else { return mode }
        let other = String(mode.dropFirst("service:".count))
        guard let id = containerOf(other) else {
            throw BerthError.invalidArgument("services.\(name).\(key): service \(other) has no running container")
        }
        return "container:" + id
    }

    /// `restart:` as a restart policy.
    static func restartPolicy(_ text: String?) -> RestartPolicy? {
        guard let text else { return nil }
        if text.hasPrefix("on-failure") {
            let parts = text.split(separator: ":")
            return RestartPolicy(name: "on-failure", maximumRetryCount: parts.count > 1 ? Int(parts[1]) : nil)
        }
        return RestartPolicy(name: text == "no" ? "no" : text)
    }
}
