import BerthSystem

/// Version-1 compose files, docker-compose's first format: no `version:`
/// and no `services:`, every top-level key a service, containers on the
/// engine's default bridge reaching each other through `links`. Such a file
/// is rewritten, on its YAML tree, into the Compose Specification's shape
/// with the meaning docker-compose 1.29 gives it:
///
/// - each top-level key becomes `services.<key>`;
/// - `net:` becomes `network_mode:`, and a service with neither joins the
///   default bridge (`network_mode: bridge`), not a project network;
/// - `log_driver`/`log_opt` become `logging`, `dockerfile:` beside a
///   `build:` path becomes `build.dockerfile`;
/// - a named volume (`data:/data`) is the engine volume of that very name,
///   not one prefixed with the project, as the engine created them for
///   version 1 (declared here with `name:` so that the model knows it).
enum VersionOne {
    /// Keys of the Compose Specification's top level that a version-1 file
    /// cannot have (they would be services there).
    static let specificationKeys: Set<String> = ["version", "services", "name", "networks", "volumes", "secrets", "configs", "include", "models"]

    /// A mapping with only service-like keys (no specification key, no
    /// `x-` extension) whose values are all services: mappings with an
    /// `image`, a `build` or an `extends`. A misspelt `servicez:` is no
    /// service, so it stays an unknown key.
    static func matches(_ root: YAMLNode) -> Bool {
        guard let pairs = root.mapping, !pairs.isEmpty else { return false }
        return pairs.allSatisfy { pair in
            guard let key = pair.key.scalar?.value, !specificationKeys.contains(key), !key.hasPrefix("x-") else { return false }
            return pair.value["image"] != nil || pair.value["build"] != nil || pair.value["extends"] != nil
        }
    }

    /// The same file in the specification's shape (call only when `matches`).
    static func convert(_ root: YAMLNode) -> YAMLNode {
        var services: [YAMLPair] = []
        var volumes: [YAMLPair] = []
        var volumeNames = Set<String>()
        for pair in root.mapping ?? [] {
            let (service, named) = convertService(pair.value)
            services.append(YAMLPair(key: pair.key, value: service))
            for (name, mark) in named where volumeNames.insert(name).inserted {
                let key = YAMLNode.scalar(name, mark: mark)
                volumes.append(YAMLPair(key: key, value: mapping([("name", .scalar(name, style: .doubleQuoted, mark: mark))], mark: mark)))
            }
        }
        var top: [YAMLPair] = [YAMLPair(key: .scalar("services", mark: root.mark), value: YAMLNode(.mapping(services), mark: root.mark))]
        if !volumes.isEmpty {
            top.append(YAMLPair(key: .scalar("volumes", mark: root.mark), value: YAMLNode(.mapping(volumes), mark: root.mark)))
        }
        return YAMLNode(.mapping(top), mark: root.mark)
    }

    /// One service, and the named volumes it mounts.
    static func convertService(_ node: YAMLNode) -> (YAMLNode, [(String, YAMLMark)]) {
        var pairs: [YAMLPair] = []
        var logging: [(String, YAMLNode)] = []
        var dockerfile: YAMLNode?
        var named: [(String, YAMLMark)] = []
        for pair in node.mapping ?? [] {
            switch pair.key.scalar?.value {
            case "net":
                pairs.append(YAMLPair(key: .scalar("network_mode", mark: pair.key.mark), value: pair.value))
            case "log_driver":
                logging.append(("driver", pair.value))
            case "log_opt":
                logging.append(("options", pair.value))
            case "dockerfile":
                dockerfile = pair.value
            case "volumes":
                for item in pair.value.sequence ?? [] {
                    if let name = namedVolume(item.scalar?.value) { named.append((name, item.mark)) }
                }
                pairs.append(pair)
            default:
                pairs.append(pair)
            }
        }
        if !pairs.contains(where: { $0.key.scalar?.value == "network_mode" }) {
            pairs.append(YAMLPair(key: .scalar("network_mode", mark: node.mark), value: .scalar("bridge", mark: node.mark)))
        }
        if !logging.isEmpty {
            pairs.append(YAMLPair(key: .scalar("logging", mark: node.mark), value: mapping(logging, mark: node.mark)))
        }
        if let dockerfile {
            if let at = pairs.firstIndex(where: { $0.key.scalar?.value == "build" }), pairs[at].value.scalar != nil {
                pairs[at].value = mapping([("context", pairs[at].value), ("dockerfile", dockerfile)], mark: pairs[at].value.mark)
            } else {
                // Left as it is: the decoder reports `dockerfile` without a build path.
                pairs.append(YAMLPair(key: .scalar("dockerfile", mark: dockerfile.mark), value: dockerfile))
            }
        }
        return (YAMLNode(.mapping(pairs), mark: node.mark), named)
    }

    /// The volume name of a short-syntax entry `NAME:/path[:mode]`; nil for
    /// binds (`/host`, `./dir`, `~/dir`) and anonymous volumes (`/path`).
    static func namedVolume(_ entry: String?) -> String? {
        guard let entry, let colon = entry.firstIndex(of: ":") else { return nil }
        let source = entry[..<colon]
        guard let first = source.first, first != "/", first != ".", first != "~" else { return nil }
        return String(source)
    }

    static func mapping(_ pairs: [(String, YAMLNode)], mark: YAMLMark) -> YAMLNode {
        YAMLNode(.mapping(pairs.map { YAMLPair(key: .scalar($0.0, mark: mark), value: $0.1) }), mark: mark)
    }
}
