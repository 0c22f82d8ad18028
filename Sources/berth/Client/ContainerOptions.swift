import ArgumentParser
import BerthAPIModel
import BerthSystem

/// The flags `run` and `create` share (docker's `containerOptions`), turned
/// into the API's create request by `request(image:command:)`.
struct ContainerOptions: ParsableArguments {
    @Option(name: .long, help: "Assign a name to the container.") var name: String?
    @Flag(name: .shortAndLong, help: "Keep STDIN open even if not attached.") var interactive = false
    @Flag(name: .shortAndLong, help: "Allocate a pseudo-TTY.") var tty = false
    @Option(name: .shortAndLong, help: "Set environment variables.") var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read in a file of environment variables.") var envFile: [String] = []
    @Option(name: .shortAndLong, help: "Bind mount a volume (SRC:DST[:ro]).") var volume: [String] = []
    @Option(name: .long, help: "Attach a filesystem mount (type=…,source=…,target=…).") var mount: [String] = []
    @Option(name: .long, help: "Mount a tmpfs directory (PATH[:OPTIONS]).") var tmpfs: [String] = []
    @Option(name: .customLong("volumes-from"), help: "Mount volumes from the specified container(s).") var volumesFrom: [String] = []
    @Option(name: [.customShort("p"), .long], help: "Publish a container's port(s) to the host.") var publish: [String] = []
    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish all exposed ports to random ports.") var publishAll = false
    @Option(name: .long, help: "Expose a port or a range of ports.") var expose: [String] = []
    @Option(name: .customLong("network"), help: "Connect a container to a network.") var network: String?
    @Option(name: .customLong("network-alias"), help: "Add network-scoped alias for the container.") var networkAlias: [String] = []
    @Option(name: .long, help: "IPv4 address (e.g., 172.30.100.104).") var ip: String?
    @Option(name: .shortAndLong, help: "Username or UID (format: <name|uid>[:<group|gid>]).") var user: String?
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: .long, help: "Overwrite the default ENTRYPOINT of the image.") var entrypoint: String?
    @Option(name: .long, help: "Restart policy to apply when a container exits.") var restart: String?
    @Flag(name: .customLong("rm"), help: "Automatically remove the container when it exits.") var autoRemove = false
    @Option(name: .shortAndLong, help: "Memory limit.") var memory: String?
    @Option(name: .customLong("memory-swap"), help: "Swap limit equal to memory plus swap: -1 for unlimited.") var memorySwap: String?
    @Option(name: .long, help: "Number of CPUs.") var cpus: String?
    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight).") var cpuShares: Int?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs in which to allow execution (0-3, 0,1).") var cpusetCpus: String?
    @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (-1 for unlimited).") var pidsLimit: Int64?
    @Option(name: .long, help: "Ulimit options (name=soft[:hard]).") var ulimit: [String] = []
    @Option(name: .long, help: "Add a host device to the container.") var device: [String] = []
    @Option(name: .customLong("health-cmd"), help: "Command to run to check health.") var healthCmd: String?
    @Option(name: .customLong("health-interval"), help: "Time between running the check (ms|s|m|h).") var healthInterval: String?
    @Option(name: .customLong("health-timeout"), help: "Maximum time to allow one check to run (ms|s|m|h).") var healthTimeout: String?
    @Option(name: .customLong("health-retries"), help: "Consecutive failures needed to report unhealthy.") var healthRetries: Int?
    @Option(name: .customLong("health-start-period"), help: "Start period for the container to initialize (ms|s|m|h).") var healthStartPeriod: String?
    @Flag(name: .customLong("no-healthcheck"), help: "Disable any container-specified HEALTHCHECK.") var noHealthcheck = false
    @Option(name: [.customShort("l"), .long], help: "Set meta data on a container.") var label: [String] = []
    @Option(name: [.customShort("h"), .long], help: "Container host name.") var hostname: String?
    @Option(name: .customLong("add-host"), help: "Add a custom host-to-IP mapping (host:ip).") var addHost: [String] = []
    @Option(name: .long, help: "Set custom DNS servers.") var dns: [String] = []
    @Option(name: .customLong("dns-search"), help: "Set custom DNS search domains.") var dnsSearch: [String] = []
    @Flag(name: .customLong("read-only"), help: "Mount the container's root filesystem as read only.") var readOnly = false
    @Option(name: .customLong("cap-add"), help: "Add Linux capabilities.") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop Linux capabilities.") var capDrop: [String] = []
    @Flag(name: .long, help: "Give extended privileges to this container.") var privileged = false
    @Flag(name: .long, help: "Run an init inside the container that forwards signals and reaps processes.") var `init` = false
    @Option(name: .customLong("security-opt"), help: "Security options.") var securityOpt: [String] = []
    @Option(name: .long, help: "Sysctl options (name=value).") var sysctl: [String] = []
    @Option(name: .customLong("stop-signal"), help: "Signal to stop the container.") var stopSignal: String?
    @Option(name: .customLong("stop-timeout"), help: "Timeout (in seconds) to stop a container.") var stopTimeout: Int?
    @Option(name: .customLong("log-driver"), help: "Logging driver for the container.") var logDriver: String?
    @Option(name: .customLong("log-opt"), help: "Log driver options.") var logOpt: [String] = []
    @Option(name: .long, help: "Set platform if server is multi-platform capable.") var platform: String?
    @Option(name: .long, help: "Pull image before running (always, missing, never).") var pull: String = "missing"
    @Option(name: .customLong("pid"), help: "PID namespace to use.") var pidMode: String?
    @Option(name: .customLong("ipc"), help: "IPC mode to use.") var ipcMode: String?
    @Option(name: .customLong("shm-size"), help: "Size of /dev/shm.") var shmSize: String?

    func validate() throws {
        guard ["always", "missing", "never"].contains(pull) else {
            throw ValidationError("invalid pull option: '\(pull)': must be one of \"always\", \"missing\" or \"never\"")
        }
    }

    /// The create request for `image` running `command` (empty: the image's CMD).
    func request(image: String, command: [String]) throws -> ContainerCreateRequest {
        var config = ContainerCreateRequest()
        config.image = image
        config.cmd = command.isEmpty ? nil : command
        config.tty = tty
        config.openStdin = interactive
        config.stdinOnce = interactive
        config.attachStdin = interactive
        config.hostname = hostname
        config.user = user
        config.workingDir = workdir
        if let entrypoint { config.entrypoint = entrypoint.isEmpty ? [""] : [entrypoint] }
        config.env = try envFile.flatMap { try readEnvFile($0) } + env.map(expandEnv)
        if config.env?.isEmpty == true { config.env = nil }
        config.labels = label.isEmpty ? nil : keyValues(label)
        config.stopSignal = stopSignal
        config.stopTimeout = stopTimeout
        config.healthcheck = try healthcheck()
        var exposed: [String: JSONValue] = [:]
        for port in expose { for spec in try expandPortRange(port) { exposed[spec] = .object([:]) } }

        var host = HostConfig()
        host.binds = volume.filter { $0.contains(":") }
        for path in volume where !path.contains(":") { config.volumes = (config.volumes ?? [:]).merging([path: .object([:])]) { $1 } }
        if host.binds?.isEmpty == true { host.binds = nil }
        host.mounts = try mount.map(parseMount)
        if host.mounts?.isEmpty == true { host.mounts = nil }
        host.tmpfs = tmpfs.isEmpty ? nil : Dictionary(tmpfs.map { item in
            let parts = item.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { $1 }
        host.volumesFrom = volumesFrom.isEmpty ? nil : volumesFrom
        var bindings: PortMap = [:]
        for spec in publish {
            for (port, binding) in try parsePublish(spec) {
                bindings[port, default: []].append(binding)
                exposed[port] = .object([:])
            }
        }
        host.portBindings = bindings.isEmpty ? nil : bindings
        config.exposedPorts = exposed.isEmpty ? nil : exposed
        host.publishAllPorts = publishAll
        host.networkMode = network
        host.restartPolicy = try restart.map(parseRestart)
        host.autoRemove = autoRemove
        host.memory = try memory.map { try parseBytes($0, flag: "--memory") }
        host.memorySwap = try memorySwap.map { $0 == "-1" ? -1 : try parseBytes($0, flag: "--memory-swap") }
        host.nanoCpus = try cpus.map(parseCPUs)
        host.cpuShares = cpuShares
        host.cpusetCpus = cpusetCpus
        host.pidsLimit = pidsLimit
        host.ulimits = try ulimit.map(parseUlimit)
        if host.ulimits?.isEmpty == true { host.ulimits = nil }
        host.devices = try device.map(parseDevice)
        if host.devices?.isEmpty == true { host.devices = nil }
        host.extraHosts = addHost.isEmpty ? nil : addHost.map { $0.replacing("=", with: ":") }
        host.dns = dns.isEmpty ? nil : dns
        host.dnsSearch = dnsSearch.isEmpty ? nil : dnsSearch
        host.readonlyRootfs = readOnly
        host.capAdd = capAdd.isEmpty ? nil : capAdd
        host.capDrop = capDrop.isEmpty ? nil : capDrop
        host.privileged = privileged
        host.`init` = `init` ? true : nil
        host.securityOpt = securityOpt.isEmpty ? nil : securityOpt
        host.sysctls = sysctl.isEmpty ? nil : keyValues(sysctl)
        host.pidMode = pidMode
        host.ipcMode = ipcMode
        host.shmSize = try shmSize.map { try parseBytes($0, flag: "--shm-size") }
        if logDriver != nil || !logOpt.isEmpty {
            host.logConfig = HostConfig.LogConfig(type: logDriver ?? "json-file", config: logOpt.isEmpty ? nil : keyValues(logOpt))
        }
        config.hostConfig = host

        if !networkAlias.isEmpty || ip != nil {
            guard let network, !["bridge", "host", "none", "default"].contains(network), !network.hasPrefix("container:") else {
                throw ValidationError("network-scoped aliases and --ip are only supported for user-defined networks (--network NAME)")
            }
            var endpoint = EndpointSettings()
            endpoint.aliases = networkAlias.isEmpty ? nil : networkAlias
            if let ip { endpoint.ipamConfig = EndpointIPAMConfig(iPv4Address: ip) }
            config.networkingConfig = NetworkingConfig(endpointsConfig: [network: endpoint])
        }
        return config
    }

    private func healthcheck() throws -> HealthConfig? {
        if noHealthcheck {
            guard healthCmd == nil else { throw ValidationError("--no-healthcheck conflicts with --health-* options") }
            return HealthConfig(test: ["NONE"])
        }
        guard healthCmd != nil || healthInterval != nil || healthTimeout != nil || healthRetries != nil || healthStartPeriod != nil else { return nil }
        var health = HealthConfig()
        if let healthCmd { health.test = ["CMD-SHELL", healthCmd] }
        health.interval = try healthInterval.map { try parseDuration($0, flag: "--health-interval") }
        health.timeout = try healthTimeout.map { try parseDuration($0, flag: "--health-timeout") }
        health.startPeriod = try healthStartPeriod.map { try parseDuration($0, flag: "--health-start-period") }
        if let healthRetries, healthRetries < 0 { throw ValidationError("--health-retries cannot be negative") }
        health.retries = healthRetries
        return health
    }
}
