/// Merges compose files node by node with the Compose Specification's merge
/// rules (compose-go's override package): mappings merge recursively,
/// `command`/`entrypoint`/`healthcheck.test` are replaced, key/value fields
/// (`environment`, `labels`, …) merge by key whatever form each file uses,
/// and lists such as `ports` and `volumes` merge by their unique key (the
/// override's entry replaces the base's one with the same key); other
/// lists are concatenated and scalars replaced.
public enum ComposeMerge {
    public static func merge(_ base: YAMLNode, _ override: YAMLNode) -> YAMLNode {
        merge(base, override, path: [])
    }

    /// What to do at a path, with the first component after a top-level
    /// section (the service or network name) generalised to `*`.
    enum Rule {
        case replace
        case keyValues(separator: Character)
        case networks
        case dependsOn
        case build
        case unique((YAMLNode) -> String)
        case logging
        case deep
    }

    static func rule(_ path: [String]) -> Rule {
        var p = path
        if p.count >= 2 { p[1] = "*" }
        if p.count >= 4 && p[0] == "services" && (p[2] == "ulimits" || p[2] == "networks") { p[3] = "*" }
        switch p.joined(separator: ".") {
        case "services.*.command", "services.*.entrypoint", "services.*.healthcheck.test", "services.*.ulimits.*":
            return .replace
        case "services.*.environment", "services.*.labels", "services.*.build.args", "services.*.build.labels",
             "services.*.deploy.labels", "services.*.sysctls", "services.*.annotations", "services.*.logging.options",
             "networks.*.labels", "volumes.*.labels", "networks.*.driver_opts", "volumes.*.driver_opts":
            return .keyValues(separator: "=")
        case "services.*.networks": return .networks
        case "services.*.depends_on": return .dependsOn
        case "services.*.build": return .build
        case "services.*.logging": return .logging
        case "services.*.ports": return .unique(portKey)
        case "services.*.volumes": return .unique(volumeKey)
        case "services.*.devices": return .unique(deviceKey)
        case "services.*.secrets": return .unique { fileRefKey($0, prefix: "/run/secrets/") }
        case "services.*.configs": return .unique { fileRefKey($0, prefix: "/") }
        case "services.*.env_file": return .unique { $0.scalar?.value ?? $0["path"]?.scalar?.value ?? "" }
        case "services.*.extra_hosts", "services.*.expose", "services.*.dns", "services.*.dns_search", "services.*.dns_opt",
             "services.*.cap_add", "services.*.cap_drop", "services.*.profiles", "services.*.links", "services.*.tmpfs",
             "services.*.security_opt", "services.*.networks.*.aliases", "services.*.group_add", "services.*.external_links":
            return .unique { $0.scalar?.value ?? "" }
        default:
            return .deep
        }
    }

    static func merge(_ base: YAMLNode, _ override: YAMLNode, path: [String]) -> YAMLNode {
        // An empty key in a later file (`environment:`) keeps what was there.
        if override.isNull && (base.mapping != nil || base.sequence != nil) { return base }
        switch rule(path) {
        case .replace:
            return override
        case .keyValues(let separator):
            return mergeMappings(asMapping(base, separator), asMapping(override, separator), path: path)
        case .networks:
            return mergeMappings(asMapping(base, nil), asMapping(override, nil), path: path)
        case .dependsOn:
            return mergeMappings(dependsOnMapping(base), dependsOnMapping(override), path: path)
        case .build:
            return mergeMappings(buildMapping(base), buildMapping(override), path: path)
        case .unique(let key):
            let b = asSequence(base), o = asSequence(override)
            guard let bi = b.sequence, let oi = o.sequence else { return override }
            var out = bi
            for item in oi {
                let k = key(item)
                if let at = out.firstIndex(where: { key($0) == k }) { out[at] = item } else { out.append(item) }
            }
            return YAMLNode(.sequence(out), mark: override.mark)
        case .logging:
            if let bd = base["driver"]?.scalar?.value, let od = override["driver"]?.scalar?.value, bd != od { return override }
            return mergeMappings(base, override, path: path)
        case .deep:
            if base.mapping != nil && override.mapping != nil { return mergeMappings(base, override, path: path) }
            if let b = base.sequence, let o = override.sequence { return YAMLNode(.sequence(b + o), mark: override.mark) }
            return override
        }
    }

    static func mergeMappings(_ base: YAMLNode, _ override: YAMLNode, path: [String]) -> YAMLNode {
        guard var pairs = base.mapping, let over = override.mapping else { return override }
        for pair in over {
            let key = pair.key.scalar?.value ?? ""
            if let at = pairs.firstIndex(where: { $0.key.scalar?.value == key }) {
                let existing = pairs[at].value
                let merged = existing.isNull ? pair.value : pair.value.isNull && existing.mapping != nil ? existing : merge(existing, pair.value, path: path + [key])
                pairs[at] = YAMLPair(key: pairs[at].key, value: merged)
            } else {
                pairs.append(pair)
            }
        }
        return YAMLNode(.mapping(pairs), mark: base.mark)
    }

    /// `KEY=VALUE` lists (or a name list, when `separator` is nil) as a
    /// mapping; bare `KEY` becomes a null value.
    static func asMapping(_ node: YAMLNode, _ separator: Character?) -> YAMLNode {
        guard let items = node.sequence else { return node }
        var pairs: [YAMLPair] = []
        for item in items {
            guard let text = item.scalar?.value else { continue }
            let key: String, value: YAMLNode
            if let separator, let at = text.firstIndex(of: separator) {
                key = String(text[..<at])
                value = YAMLNode(.scalar(YAMLScalar(String(text[text.index(after: at)...]), style: .doubleQuoted)), mark: item.mark)
            } else {
                key = text
                value = YAMLNode.scalar("", mark: item.mark)
            }
            let keyNode = YAMLNode.scalar(key, mark: item.mark)
            if let at = pairs.firstIndex(where: { $0.key.scalar?.value == key }) { pairs[at].value = value } else { pairs.append(YAMLPair(key: keyNode, value: value)) }
        }
        return YAMLNode(.mapping(pairs), mark: node.mark)
    }

    static func asSequence(_ node: YAMLNode) -> YAMLNode {
        node.scalar != nil && !node.isNull ? YAMLNode(.sequence([node]), mark: node.mark) : node
    }

    static func dependsOnMapping(_ node: YAMLNode) -> YAMLNode {
        guard let items = node.sequence else { return node }
        let pairs = items.map { item in
            YAMLPair(key: item, value: YAMLNode(.mapping([
                YAMLPair(key: .scalar("condition", mark: item.mark), value: .scalar("service_started", mark: item.mark)),
            ]), mark: item.mark))
        }
        return YAMLNode(.mapping(pairs), mark: node.mark)
    }

    static func buildMapping(_ node: YAMLNode) -> YAMLNode {
        guard node.scalar != nil, !node.isNull else { return node }
        return YAMLNode(.mapping([YAMLPair(key: .scalar("context", mark: node.mark), value: node)]), mark: node.mark)
    }

    // MARK: unique keys of list entries (compose-go's indexers)

    /// Ports by ip:published:target/protocol, whichever syntax wrote them,
    /// so a long-syntax port replaces the same short-syntax one.
    static func portKey(_ node: YAMLNode) -> String {
        if let s = node.scalar {
            guard let ports = ServicePort.parseShort(s.value), ports.count == 1 else { return s.value }
            let p = ports[0]
            return "\(p.hostIp ?? ""):\(p.published ?? ""):\(p.target)/\(p.protocol)"
        }
        let ip = node["host_ip"]?.scalar?.value ?? ""
        let published = node["published"]?.scalar?.value ?? ""
        let target = node["target"]?.scalar?.value ?? ""
        let proto = node["protocol"]?.scalar?.value ?? "tcp"
        return "\(ip):\(published):\(target)/\(proto)"
    }

    /// Mounts by their target path.
    static func volumeKey(_ node: YAMLNode) -> String {
        if let s = node.scalar?.value {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 1 ? s : String(parts[1])
        }
        return node["target"]?.scalar?.value ?? ""
    }

    static func deviceKey(_ node: YAMLNode) -> String {
        if let s = node.scalar?.value {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 1 ? s : String(parts[1])
        }
        return node["target"]?.scalar?.value ?? node["source"]?.scalar?.value ?? ""
    }

    static func fileRefKey(_ node: YAMLNode, prefix: String) -> String {
        if let s = node.scalar?.value { return prefix + s }
        if let t = node["target"]?.scalar?.value { return t.hasPrefix("/") ? t : prefix + t }
        return prefix + (node["source"]?.scalar?.value ?? "")
    }
}
