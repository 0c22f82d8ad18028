extension Project {
    /// The resolved project as a YAML tree in compose's long syntax, the
    /// form `compose config` prints; loading it again gives the same model.
    public func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("name", name)
        b.add("services", mapping: services.mapValues { $0.yamlNode() })
        b.add("networks", mapping: networks.mapValues { $0.yamlNode() })
        b.add("volumes", mapping: volumes.mapValues { $0.yamlNode() })
        b.add("secrets", mapping: secrets.mapValues { $0.yamlNode(content: false) })
        b.add("configs", mapping: configs.mapValues { $0.yamlNode(content: true) })
        return b.node
    }

    /// `compose config`: the resolved model as YAML text.
    public func yaml() -> String {
        YAMLEmitter.emit(yamlNode())
    }
}

extension NetworkConfig {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("name", name)
        b.add("driver", driver)
        b.add("driver_opts", map: driverOpts)
        if external { b.add("external", true) }
        if `internal` { b.add("internal", true) }
        if attachable { b.add("attachable", true) }
        b.add("enable_ipv6", enableIpv6)
        if let ipam {
            var i = NodeBuilder()
            i.add("driver", ipam.driver)
            i.add("options", map: ipam.options)
            i.add("config", nodes: ipam.config.map { pool in
                var p = NodeBuilder()
                p.add("subnet", pool.subnet)
                p.add("gateway", pool.gateway)
                p.add("ip_range", pool.ipRange)
                p.add("aux_addresses", map: pool.auxAddresses)
                return p.node
            })
            b.add("ipam", i.node)
        }
        b.add("labels", map: labels)
        return b.node
    }
}

extension VolumeConfig {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("name", name)
        b.add("driver", driver)
        b.add("driver_opts", map: driverOpts)
        if external { b.add("external", true) }
        b.add("labels", map: labels)
        return b.node
    }
}

extension FileObjectConfig {
    func yamlNode(content allowContent: Bool) -> YAMLNode {
        var b = NodeBuilder()
        b.add("name", name)
        b.add("file", file)
        b.add("environment", environment)
        if allowContent { b.add("content", content) }
        if external { b.add("external", true) }
        b.add("labels", map: labels)
        return b.node
    }
}
