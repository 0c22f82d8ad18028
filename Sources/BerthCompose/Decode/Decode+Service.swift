import BerthSystem

/// Valid compose service keys berth does not implement: refused by name
/// rather than reported as typos.
private let unsupportedServiceKeys: Set<String> = [
    "blkio_config", "credential_spec", "gpus", "isolation", "label_file", "models",
    "post_start", "pre_stop", "provider", "storage_opt", "use_api_socket",
]

extension Service {
    /// Decodes `services.<name>` (after interpolation, merge and extends).
    init(node: YAMLNode, path: String, context: DecodeContext) throws {
        self.init()
        var f = try Fields(node, path: path)
        image = try f.string("image")
        if let n = f.take("build") { build = try BuildConfig(node: n, path: f.childPath("build"), context: context) }
        if let n = f.take("command") { command = try Value.command(n, f.childPath("command")) }
        if let n = f.take("entrypoint") { entrypoint = try Value.command(n, f.childPath("entrypoint")) }
        if let n = f.take("env_file") { envFiles = try Self.envFiles(n, f.childPath("env_file"), context) }
        environment = try Self.environment(f.take("environment"), f.childPath("environment"), envFiles: envFiles, envFilePath: f.childPath("env_file"), context: context)
        if let n = f.take("ports") {
            for (i, item) in try Self.items(n, f.childPath("ports")).enumerated() {
                ports += try ServicePort.decode(item, KeyPath.index(f.childPath("ports"), i))
            }
        }
        expose = try f.take("expose").map { n in
            try Self.items(n, f.childPath("expose")).enumerated().map { try Value.string($1, KeyPath.index(f.childPath("expose"), $0)) }
        } ?? []
        if let n = f.take("volumes") {
            for (i, item) in try Self.items(n, f.childPath("volumes")).enumerated() {
                volumes.append(try ServiceVolume.decode(item, KeyPath.index(f.childPath("volumes"), i), context))
            }
        }
        if let n = f.take("networks") { networks = try ServiceNetwork.decodeAll(n, f.childPath("networks")) }
        networkMode = try f.string("network_mode")
        if let n = f.take("depends_on") { dependsOn = try ServiceDependency.decodeAll(n, f.childPath("depends_on")) }
        if let n = f.take("healthcheck") { healthcheck = try HealthCheck(node: n, path: f.childPath("healthcheck")) }
        if let n = f.take("restart") { restart = try Self.restartPolicy(n, f.childPath("restart")) }
        labels = try f.dictionary("labels")
        annotations = try f.dictionary("annotations")
        user = try f.string("user")
        workingDir = try f.string("working_dir")
        hostname = try f.string("hostname")
        domainname = try f.string("domainname")
        capAdd = try f.strings("cap_add")
        capDrop = try f.strings("cap_drop")
        privileged = try f.bool("privileged")
        readOnly = try f.bool("read_only")
        initProcess = try f.bool("init")
        tty = try f.bool("tty")
        stdinOpen = try f.bool("stdin_open")
        tmpfs = try f.stringOrList("tmpfs")
        if let n = f.take("ulimits") { ulimits = try Ulimit.decodeAll(n, f.childPath("ulimits")) }
        memLimit = try f.bytes("mem_limit")
        memReservation = try f.bytes("mem_reservation")
        memswapLimit = try f.bytes("memswap_limit")
        shmSize = try f.bytes("shm_size")
        cpus = try f.double("cpus")
        cpuShares = try f.int64("cpu_shares")
        cpuset = try f.string("cpuset")
        cpuPeriod = try f.int64("cpu_period")
        cpuQuota = try f.int64("cpu_quota")
        cpuRtPeriod = try f.take("cpu_rt_period").map { try Self.microseconds($0, f.childPath("cpu_rt_period")) }
        cpuRtRuntime = try f.take("cpu_rt_runtime").map { try Self.microseconds($0, f.childPath("cpu_rt_runtime")) }
        cpuCount = try f.int64("cpu_count")
        cpuPercent = try f.int("cpu_percent")
        memSwappiness = try f.int("mem_swappiness")
        oomKillDisable = try f.bool("oom_kill_disable")
        cgroup = try f.string("cgroup")
        attach = try f.bool("attach")
        // `develop` drives `compose watch`; it does not change containers.
        _ = f.take("develop")
        pidsLimit = try f.int64("pids_limit")
        oomScoreAdj = try f.int("oom_score_adj")
        if let n = f.take("deploy") { deploy = try Deploy(node: n, path: f.childPath("deploy")) }
        stopSignal = try f.string("stop_signal")
        stopGracePeriod = try f.duration("stop_grace_period")
        if let n = f.take("logging") { logging = try Logging(node: n, path: f.childPath("logging")) }
        if let n = f.take("extra_hosts") { extraHosts = try Self.extraHosts(n, f.childPath("extra_hosts")) }
        dns = try f.stringOrList("dns")
        dnsSearch = try f.stringOrList("dns_search")
        dnsOpt = try f.stringOrList("dns_opt")
        sysctls = try f.dictionary("sysctls")
        if let n = f.take("devices") { devices = try Self.devices(n, f.childPath("devices")) }
        deviceCgroupRules = try f.strings("device_cgroup_rules")
        if let n = f.take("secrets") { secrets = try FileReference.decodeAll(n, f.childPath("secrets")) }
        if let n = f.take("configs") { configs = try FileReference.decodeAll(n, f.childPath("configs")) }
        profiles = try f.strings("profiles")
        containerName = try f.string("container_name")
        scale = try f.int("scale")
        if let n = f.take("pull_policy") {
            let p = try Value.string(n, f.childPath("pull_policy"))
            let valid = ["always", "never", "missing", "if_not_present", "build", "daily", "weekly", "refresh"]
            guard valid.contains(p) || p.hasPrefix("every_") else {
                throw valueError(n, f.childPath("pull_policy"), "invalid pull policy \"\(p)\" (one of \(valid.joined(separator: ", ")))")
            }
            pullPolicy = p
        }
        securityOpt = try f.strings("security_opt")
        pid = try f.string("pid")
        ipc = try f.string("ipc")
        uts = try f.string("uts")
        usernsMode = try f.string("userns_mode")
        cgroupParent = try f.string("cgroup_parent")
        runtime = try f.string("runtime")
        macAddress = try f.string("mac_address")
        platform = try f.string("platform")
        groupAdd = try f.take("group_add").map { n in
            try Self.items(n, f.childPath("group_add")).enumerated().map { try Value.string($1, KeyPath.index(f.childPath("group_add"), $0)) }
        } ?? []
        links = try f.strings("links")
        externalLinks = try f.strings("external_links")
        volumesFrom = try f.strings("volumes_from")
        try f.finish(unsupported: unsupportedServiceKeys)

        if image == nil && build == nil {
            throw valueError(node, path, "has neither an image nor a build context specified")
        }
        if let mode = cgroup, mode != "host" && mode != "private" {
            throw valueError(node, KeyPath.child(path, "cgroup"), "invalid cgroup mode \"\(mode)\" (host, private)")
        }
        if let count = scale, count < 0 { throw valueError(node, KeyPath.child(path, "scale"), "must not be negative") }
    }

    /// `cpu_rt_*`: microseconds as a number, or a duration string (compose-go's UnitBytes/Duration union).
    static func microseconds(_ node: YAMLNode, _ path: String) throws -> Int64 {
        if let n = Int64(try Value.scalarText(node, path, "a number of microseconds")) { return n }
        return try Value.duration(node, path).nanoseconds / 1000
    }

    static func items(_ node: YAMLNode, _ path: String) throws -> [YAMLNode] {
        guard let items = node.sequence else {
            throw valueError(node, path, "must be a sequence, not \(node.kindName)")
        }
        return items
    }

    /// `restart:` as the engine accepts it (`no` is a string here: compose
    /// reads YAML 1.2, where it is not a boolean).
    static func restartPolicy(_ node: YAMLNode, _ path: String) throws -> String {
        let value = try Value.string(node, path)
        if ["no", "always", "unless-stopped", "on-failure"].contains(value) { return value }
        if value.hasPrefix("on-failure:"), let n = Int(value.dropFirst("on-failure:".count)), n >= 0 { return value }
        throw valueError(node, path, "invalid restart policy \"\(value)\" (no, always, on-failure[:max-retries], unless-stopped)")
    }

    static func envFiles(_ node: YAMLNode, _ path: String, _ context: DecodeContext) throws -> [EnvFile] {
        let entries = node.scalar != nil ? [node] : try items(node, path)
        return try entries.enumerated().map { i, entry in
            let p = node.scalar != nil ? path : KeyPath.index(path, i)
            if entry.mapping != nil {
                var f = try Fields(entry, path: p)
                guard let file = try f.string("path") else { throw valueError(entry, p, "needs a path") }
                let required = try f.bool("required") ?? true
                _ = try f.string("format")
                try f.finish()
                return EnvFile(path: context.absolute(file), required: required)
            }
            return EnvFile(path: context.absolute(try Value.string(entry, p)))
        }
    }

    /// env_file contents first, in order, then `environment:` on top; a bare
    /// `KEY` takes the value from the environment compose interpolates with.
    static func environment(_ node: YAMLNode?, _ path: String, envFiles: [EnvFile], envFilePath: String, context: DecodeContext) throws -> [String: String] {
        var env: [String: String] = [:]
        for (i, file) in envFiles.enumerated() {
            guard let text = try context.readFile(file.path) else {
                if file.required {
                    throw BerthError.notFound("\(KeyPath.index(envFilePath, i)): env file \(file.path) not found")
                }
                continue
            }
            for (k, v) in try DotEnv.parse(text, file: file.path, lookup: context.lookup) { env[k] = v }
        }
        guard let node else { return env }
        for (k, v) in try Value.keyValues(node, path) {
            if let v {
                env[k] = v
            } else if let inherited = context.lookup(k) {
                env[k] = inherited
            } else {
                env[k] = nil
            }
        }
        return env
    }

    /// `extra_hosts` as `host:ip` entries; the map form may give a host
    /// several addresses (compose-go's HostsList).
    static func extraHosts(_ node: YAMLNode, _ path: String) throws -> [String] {
        if let pairs = node.mapping {
            var out: [String] = []
            for pair in pairs {
                let host = try Value.string(pair.key, path)
                for ip in try Value.stringOrList(pair.value, KeyPath.child(path, host)) { out.append("\(host):\(ip)") }
            }
            return out
        }
        return try Value.strings(node, path).enumerated().map { i, entry in
            if let eq = entry.firstIndex(of: "=") {
                return entry[..<eq] + ":" + entry[entry.index(after: eq)...]
            }
            guard entry.contains(":") else {
                throw valueError(node.sequence![i], KeyPath.index(path, i), "invalid extra host \"\(entry)\" (host:ip)")
            }
            return entry
        }
    }

    /// Devices as `host[:container[:permissions]]`; the long form is folded in.
    static func devices(_ node: YAMLNode, _ path: String) throws -> [String] {
        try items(node, path).enumerated().map { i, item in
            let p = KeyPath.index(path, i)
            guard item.mapping != nil else { return try Value.string(item, p) }
            var f = try Fields(item, path: p)
            guard let source = try f.string("source") else { throw valueError(item, p, "needs a source") }
            let target = try f.string("target") ?? source
            let permissions = try f.string("permissions") ?? "rwm"
            try f.finish()
            return "\(source):\(target):\(permissions)"
        }
    }
}
