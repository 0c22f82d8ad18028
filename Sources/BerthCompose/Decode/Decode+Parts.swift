import BerthSystem

extension BuildConfig {
    init(node: YAMLNode, path: String, context: DecodeContext) throws {
        if node.scalar != nil {
            let c = try Value.string(node, path)
            self.init(context: Paths.isRemote(c) ? c : context.absolute(c))
            return
        }
        var f = try Fields(node, path: path)
        let c = try f.string("context") ?? "."
        self.init(context: Paths.isRemote(c) ? c : context.absolute(c))
        dockerfile = try f.string("dockerfile")
        dockerfileInline = try f.string("dockerfile_inline")
        if let n = f.take("args") {
            for (k, v) in try Value.keyValues(n, f.childPath("args")) {
                // A bare ARG takes its value from the environment, if set.
                if let value = v ?? context.lookup(k) { args[k] = value }
            }
        }
        target = try f.string("target")
        labels = try f.dictionary("labels")
        cacheFrom = try f.strings("cache_from")
        network = try f.string("network")
        shmSize = try f.bytes("shm_size")
        tags = try f.strings("tags")
        platforms = try f.strings("platforms")
        noCache = try f.bool("no_cache")
        pull = try f.bool("pull")
        try f.finish(unsupported: ["cache_to", "extra_hosts", "secrets", "ssh", "additional_contexts", "isolation", "privileged", "entitlements", "ulimits", "provenance", "sbom"])
        if dockerfile != nil && dockerfileInline != nil {
            throw valueError(node, path, "dockerfile and dockerfile_inline are mutually exclusive")
        }
    }
}

extension ServiceNetwork {
    /// The list form or the mapping form of a service's `networks:`.
    static func decodeAll(_ node: YAMLNode, _ path: String) throws -> [String: ServiceNetwork] {
        var out: [String: ServiceNetwork] = [:]
        if node.sequence != nil {
            for name in try Value.strings(node, path) { out[name] = ServiceNetwork() }
            return out
        }
        var all = try Fields(node, path: path)
        for (name, value, _) in all.pairs {
            _ = all.take(name)
            guard !value.isNull else { out[name] = ServiceNetwork(); continue }
            var f = try Fields(value, path: all.childPath(name))
            var n = ServiceNetwork()
            n.aliases = try f.strings("aliases")
            n.ipv4Address = try f.string("ipv4_address")
            n.ipv6Address = try f.string("ipv6_address")
            n.linkLocalIps = try f.strings("link_local_ips")
            n.macAddress = try f.string("mac_address")
            n.priority = try f.int("priority")
            n.driverOpts = try f.dictionary("driver_opts")
            try f.finish(unsupported: ["gw_priority", "interface_name"])
            out[name] = n
        }
        return out
    }
}

extension ServiceDependency {
    static func decodeAll(_ node: YAMLNode, _ path: String) throws -> [String: ServiceDependency] {
        var out: [String: ServiceDependency] = [:]
        if node.sequence != nil {
            for name in try Value.strings(node, path) { out[name] = ServiceDependency() }
            return out
        }
        let all = try Fields(node, path: path)
        for (name, value, _) in all.pairs {
            var f = try Fields(value, path: all.childPath(name))
            var d = ServiceDependency()
            if let c = f.take("condition") {
                let text = try Value.string(c, f.childPath("condition"))
                guard let condition = DependencyCondition(rawValue: text) else {
                    throw valueError(c, f.childPath("condition"), "invalid condition \"\(text)\" (service_started, service_healthy, service_completed_successfully)")
                }
                d.condition = condition
            }
            d.restart = try f.bool("restart") ?? false
            d.required = try f.bool("required") ?? true
            try f.finish()
            out[name] = d
        }
        return out
    }
}

extension HealthCheck {
    init(node: YAMLNode, path: String) throws {
        self.init()
        var f = try Fields(node, path: path)
        if let t = f.take("test") {
            if t.scalar != nil {
                test = ["CMD-SHELL", try Value.string(t, f.childPath("test"))]
            } else {
                let words = try Value.strings(t, f.childPath("test"))
                guard let first = words.first, ["NONE", "CMD", "CMD-SHELL"].contains(first) else {
                    throw valueError(t, f.childPath("test"), "must start with \"CMD\", \"CMD-SHELL\" or \"NONE\"")
                }
                test = words
            }
        }
        interval = try f.duration("interval")
        timeout = try f.duration("timeout")
        startPeriod = try f.duration("start_period")
        startInterval = try f.duration("start_interval")
        retries = try f.int("retries")
        if try f.bool("disable") == true {
            if let test, test != ["NONE"] { throw valueError(node, path, "test and disable: true are mutually exclusive") }
            test = ["NONE"]
        }
        try f.finish()
    }
}

extension Ulimit {
    static func decodeAll(_ node: YAMLNode, _ path: String) throws -> [String: Ulimit] {
        var out: [String: Ulimit] = [:]
        let all = try Fields(node, path: path)
        for (name, value, _) in all.pairs {
            let p = all.childPath(name)
            if value.scalar != nil {
                let v = Int64(try Value.int(value, p))
                out[name] = Ulimit(soft: v, hard: v)
                continue
            }
            var f = try Fields(value, path: p)
            guard let soft = try f.int64("soft"), let hard = try f.int64("hard") else {
                throw valueError(value, p, "needs both soft and hard")
            }
            try f.finish()
            guard soft <= hard else { throw valueError(value, p, "soft limit \(soft) exceeds hard limit \(hard)") }
            out[name] = Ulimit(soft: soft, hard: hard)
        }
        return out
    }
}

extension Logging {
    init(node: YAMLNode, path: String) throws {
        self.init()
        var f = try Fields(node, path: path)
        driver = try f.string("driver")
        options = try f.dictionary("options")
        try f.finish()
    }
}

extension FileReference {
    static func decodeAll(_ node: YAMLNode, _ path: String) throws -> [FileReference] {
        try Service.items(node, path).enumerated().map { i, item in
            let p = KeyPath.index(path, i)
            if item.scalar != nil { return FileReference(source: try Value.string(item, p)) }
            var f = try Fields(item, path: p)
            guard let source = try f.string("source") else { throw valueError(item, p, "needs a source") }
            var r = FileReference(source: source, target: try f.string("target"))
            r.uid = try f.string("uid")
            r.gid = try f.string("gid")
            if let m = f.take("mode") { r.mode = try fileMode(m, f.childPath("mode")) }
            try f.finish()
            return r
        }
    }
}

extension Deploy {
    init(node: YAMLNode, path: String) throws {
        self.init()
        var f = try Fields(node, path: path)
        mode = try f.string("mode")
        replicas = try f.int("replicas")
        labels = try f.dictionary("labels")
        if let r = f.take("resources") {
            var rf = try Fields(r, path: f.childPath("resources"))
            if let l = rf.take("limits") { resources.limits = try ResourceSpec(node: l, path: rf.childPath("limits")) }
            if let l = rf.take("reservations") { resources.reservations = try ResourceSpec(node: l, path: rf.childPath("reservations")) }
            try rf.finish()
        }
        if let r = f.take("restart_policy") {
            var rf = try Fields(r, path: f.childPath("restart_policy"))
            var p = RestartPolicy()
            p.condition = try rf.string("condition")
            p.delay = try rf.duration("delay")
            p.maxAttempts = try rf.int("max_attempts")
            p.window = try rf.duration("window")
            try rf.finish()
            restartPolicy = p
        }
        // Swarm-only sections: compose ignores them on a single engine.
        for key in ["placement", "update_config", "rollback_config", "endpoint_mode"] { _ = f.take(key) }
        try f.finish()
        if let r = replicas, r < 0 { throw valueError(node, KeyPath.child(path, "replicas"), "must not be negative") }
    }
}

extension Deploy.ResourceSpec {
    init(node: YAMLNode, path: String) throws {
        self.init()
        var f = try Fields(node, path: path)
        cpus = try f.double("cpus")
        memory = try f.bytes("memory")
        pids = try f.int64("pids")
        try f.finish(unsupported: ["devices", "generic_resources"])
    }
}
