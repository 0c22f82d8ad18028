import BerthSystem

extension NetworkConfig {
    /// `networks.<key>`; `name` resolved as compose-go does.
    init(key: String, node: YAMLNode?, path: String, project: String) throws {
        self.init(name: "\(project)_\(key)")
        guard let node, !node.isNull else { return }
        var f = try Fields(node, path: path)
        let explicitName = try f.string("name")
        driver = try f.string("driver")
        driverOpts = try f.dictionary("driver_opts")
        var externalName: String?
        if let e = f.take("external") {
            // The legacy `external: {name: x}` form is still accepted by compose.
            if e.mapping != nil {
                var ef = try Fields(e, path: f.childPath("external"))
                externalName = try ef.string("name")
                try ef.finish()
                external = true
            } else {
                external = try Value.bool(e, f.childPath("external"))
            }
        }
        `internal` = try f.bool("internal") ?? false
        attachable = try f.bool("attachable") ?? false
        enableIpv6 = try f.bool("enable_ipv6")
        if let n = f.take("ipam") { ipam = try IPAM(node: n, path: f.childPath("ipam")) }
        labels = try f.dictionary("labels")
        try f.finish(unsupported: ["enable_ipv4"])
        name = explicitName ?? externalName ?? (external ? key : "\(project)_\(key)")
        if external && (driver != nil || ipam != nil || !driverOpts.isEmpty) {
            throw valueError(node, path, "an external network cannot set driver, driver_opts or ipam")
        }
    }
}

extension NetworkConfig.IPAM {
    init(node: YAMLNode, path: String) throws {
        self.init()
        var f = try Fields(node, path: path)
        driver = try f.string("driver")
        options = try f.dictionary("options")
        if let c = f.take("config") {
            for (i, item) in try Service.items(c, f.childPath("config")).enumerated() {
                var pf = try Fields(item, path: KeyPath.index(f.childPath("config"), i))
                var pool = NetworkConfig.Pool()
                pool.subnet = try pf.string("subnet")
                pool.gateway = try pf.string("gateway")
                pool.ipRange = try pf.string("ip_range")
                pool.auxAddresses = try pf.dictionary("aux_addresses")
                try pf.finish()
                if let subnet = pool.subnet, !subnet.contains("/") {
                    throw valueError(item, pf.childPath("subnet"), "invalid subnet \"\(subnet)\" (CIDR like 172.28.0.0/16)")
                }
                config.append(pool)
            }
        }
        try f.finish()
    }
}

extension VolumeConfig {
    init(key: String, node: YAMLNode?, path: String, project: String) throws {
        self.init(name: "\(project)_\(key)")
        guard let node, !node.isNull else { return }
        var f = try Fields(node, path: path)
        let explicitName = try f.string("name")
        driver = try f.string("driver")
        driverOpts = try f.dictionary("driver_opts")
        var externalName: String?
        if let e = f.take("external") {
            if e.mapping != nil {
                var ef = try Fields(e, path: f.childPath("external"))
                externalName = try ef.string("name")
                try ef.finish()
                external = true
            } else {
                external = try Value.bool(e, f.childPath("external"))
            }
        }
        labels = try f.dictionary("labels")
        try f.finish()
        name = explicitName ?? externalName ?? (external ? key : "\(project)_\(key)")
    }
}

extension FileObjectConfig {
    /// `secrets.<key>` or `configs.<key>` (`allowContent` for configs).
    init(key: String, node: YAMLNode, path: String, project: String, allowContent: Bool, context: DecodeContext) throws {
        self.init(name: "\(project)_\(key)")
        var f = try Fields(node, path: path)
        let explicitName = try f.string("name")
        file = try f.string("file").map { context.absolute($0) }
        environment = try f.string("environment")
        if allowContent { content = try f.string("content") }
        external = try f.bool("external") ?? false
        labels = try f.dictionary("labels")
        try f.finish(unsupported: ["driver", "driver_opts", "template_driver"])
        name = explicitName ?? (external ? key : "\(project)_\(key)")
        let sources = [file != nil, environment != nil, content != nil, external].filter { $0 }.count
        guard sources == 1 else {
            let kinds = allowContent ? "file, environment, content or external" : "file, environment or external"
            throw valueError(node, path, "needs exactly one of \(kinds)")
        }
    }
}
