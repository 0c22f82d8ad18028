extension Service {
    /// The service in compose's long syntax (see `Project.yamlNode`).
    public func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("image", image)
        if let build { b.add("build", build.yamlNode()) }
        b.add("command", list: command)
        b.add("entrypoint", list: entrypoint)
        b.add("env_file", nodes: envFiles.map { f in
            var e = NodeBuilder()
            e.add("path", f.path)
            e.add("required", f.required)
            return e.node
        })
        b.add("environment", map: environment)
        b.add("ports", nodes: ports.map { $0.yamlNode() })
        b.add("expose", nonEmpty: expose)
        b.add("volumes", nodes: volumes.map { $0.yamlNode() })
        b.add("networks", mapping: networks.mapValues { $0.yamlNode() })
        b.add("network_mode", networkMode)
        b.add("depends_on", mapping: dependsOn.mapValues { d in
            var n = NodeBuilder()
            n.add("condition", d.condition.rawValue)
            n.add("restart", d.restart)
            n.add("required", d.required)
            return n.node
        })
        if let healthcheck { b.add("healthcheck", healthcheck.yamlNode()) }
        b.add("restart", restart)
        b.add("labels", map: labels)
        b.add("annotations", map: annotations)
        b.add("user", user)
        b.add("working_dir", workingDir)
        b.add("hostname", hostname)
        b.add("domainname", domainname)
        b.add("cap_add", nonEmpty: capAdd)
        b.add("cap_drop", nonEmpty: capDrop)
        b.add("privileged", privileged)
        b.add("read_only", readOnly)
        b.add("init", initProcess)
        b.add("tty", tty)
        b.add("stdin_open", stdinOpen)
        b.add("tmpfs", nonEmpty: tmpfs)
        b.add("ulimits", mapping: ulimits.mapValues { u in
            var n = NodeBuilder()
            n.add("soft", u.soft)
            n.add("hard", u.hard)
            return n.node
        })
        b.add("mem_limit", memLimit)
        b.add("mem_reservation", memReservation)
        b.add("memswap_limit", memswapLimit)
        b.add("shm_size", shmSize)
        b.add("cpus", cpus)
        b.add("cpu_shares", cpuShares)
        b.add("cpuset", cpuset)
        b.add("cpu_period", cpuPeriod)
        b.add("cpu_quota", cpuQuota)
        b.add("cpu_rt_period", cpuRtPeriod)
        b.add("cpu_rt_runtime", cpuRtRuntime)
        b.add("cpu_count", cpuCount)
        b.add("cpu_percent", cpuPercent)
        b.add("mem_swappiness", memSwappiness)
        b.add("oom_kill_disable", oomKillDisable)
        b.add("cgroup", cgroup)
        b.add("attach", attach)
        b.add("pids_limit", pidsLimit)
        b.add("oom_score_adj", oomScoreAdj)
        if let deploy { b.add("deploy", deploy.yamlNode()) }
        b.add("stop_signal", stopSignal)
        b.add("stop_grace_period", stopGracePeriod)
        if let logging {
            var l = NodeBuilder()
            l.add("driver", logging.driver)
            l.add("options", map: logging.options)
            b.add("logging", l.node)
        }
        b.add("extra_hosts", nonEmpty: extraHosts)
        b.add("dns", nonEmpty: dns)
        b.add("dns_search", nonEmpty: dnsSearch)
        b.add("dns_opt", nonEmpty: dnsOpt)
        b.add("sysctls", map: sysctls)
        b.add("devices", nonEmpty: devices)
        b.add("device_cgroup_rules", nonEmpty: deviceCgroupRules)
        b.add("secrets", nodes: secrets.map { $0.yamlNode() })
        b.add("configs", nodes: configs.map { $0.yamlNode() })
        b.add("profiles", nonEmpty: profiles)
        b.add("container_name", containerName)
        b.add("scale", scale)
        b.add("pull_policy", pullPolicy)
        b.add("security_opt", nonEmpty: securityOpt)
        b.add("pid", pid)
        b.add("ipc", ipc)
        b.add("uts", uts)
        b.add("userns_mode", usernsMode)
        b.add("cgroup_parent", cgroupParent)
        b.add("runtime", runtime)
        b.add("mac_address", macAddress)
        b.add("platform", platform)
        b.add("group_add", nonEmpty: groupAdd)
        b.add("links", nonEmpty: links)
        b.add("external_links", nonEmpty: externalLinks)
        b.add("volumes_from", nonEmpty: volumesFrom)
        return b.node
    }
}

extension BuildConfig {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("context", context)
        b.add("dockerfile", dockerfile)
        b.add("dockerfile_inline", dockerfileInline)
        b.add("args", map: args)
        b.add("target", target)
        b.add("labels", map: labels)
        b.add("cache_from", nonEmpty: cacheFrom)
        b.add("network", network)
        b.add("shm_size", shmSize)
        b.add("tags", nonEmpty: tags)
        b.add("platforms", nonEmpty: platforms)
        b.add("no_cache", noCache)
        b.add("pull", pull)
        return b.node
    }
}

extension ServicePort {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("target", target)
        b.add("published", published)
        b.add("host_ip", hostIp)
        b.add("protocol", self.protocol)
        b.add("mode", mode)
        b.add("name", name)
        b.add("app_protocol", appProtocol)
        return b.node
    }
}

extension ServiceVolume {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("type", type)
        b.add("source", source)
        b.add("target", target)
        if readOnly { b.add("read_only", true) }
        b.add("consistency", consistency)
        if let bind {
            var o = NodeBuilder()
            o.add("propagation", bind.propagation)
            o.add("create_host_path", bind.createHostPath)
            o.add("selinux", bind.selinux)
            b.add("bind", o.node)
        }
        if let volume {
            var o = NodeBuilder()
            o.add("nocopy", volume.nocopy)
            o.add("subpath", volume.subpath)
            b.add("volume", o.node)
        }
        if let tmpfs {
            var o = NodeBuilder()
            o.add("size", tmpfs.size)
            o.add("mode", tmpfs.mode)
            b.add("tmpfs", o.node)
        }
        return b.node
    }
}

extension ServiceNetwork {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("aliases", nonEmpty: aliases)
        b.add("ipv4_address", ipv4Address)
        b.add("ipv6_address", ipv6Address)
        b.add("link_local_ips", nonEmpty: linkLocalIps)
        b.add("mac_address", macAddress)
        b.add("priority", priority)
        b.add("driver_opts", map: driverOpts)
        return b.pairs.isEmpty ? NodeBuilder.plain("null") : b.node
    }
}

extension HealthCheck {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("test", list: test)
        b.add("interval", interval)
        b.add("timeout", timeout)
        b.add("start_period", startPeriod)
        b.add("start_interval", startInterval)
        b.add("retries", retries)
        return b.node
    }
}

extension FileReference {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("source", source)
        b.add("target", target)
        b.add("uid", uid)
        b.add("gid", gid)
        b.add("mode", mode)
        return b.node
    }
}

extension Deploy {
    func yamlNode() -> YAMLNode {
        var b = NodeBuilder()
        b.add("mode", mode)
        b.add("replicas", replicas)
        b.add("labels", map: labels)
        func spec(_ s: ResourceSpec?) -> YAMLNode? {
            guard let s else { return nil }
            var n = NodeBuilder()
            n.add("cpus", s.cpus)
            n.add("memory", s.memory)
            n.add("pids", s.pids)
            return n.node
        }
        if resources.limits != nil || resources.reservations != nil {
            var r = NodeBuilder()
            r.add("limits", spec(resources.limits))
            r.add("reservations", spec(resources.reservations))
            b.add("resources", r.node)
        }
        if let p = restartPolicy {
            var r = NodeBuilder()
            r.add("condition", p.condition)
            r.add("delay", p.delay)
            r.add("max_attempts", p.maxAttempts)
            r.add("window", p.window)
            b.add("restart_policy", r.node)
        }
        return b.node
    }
}
