import BerthSystem

/// Key paths as compose prints them: `services.web.ports[1]`.
enum KeyPath {
    static func child(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func index(_ path: String, _ i: Int) -> String {
        "\(path)[\(i)]"
    }
}

extension Template {
    /// Substitutes variables in every scalar value of `node` (never in keys),
    /// before any value is typed, as compose-go's interpolation does. Errors
    /// name the file, line, column and key path of the value.
    public func interpolate(_ node: YAMLNode, path: String = "", unset: inout [String]) throws -> YAMLNode {
        switch node.content {
        case .scalar(var s):
            guard s.value.unicodeScalars.contains("$") else { return node }
            do {
                s.value = try substitute(s.value, unset: &unset)
            } catch {
                throw BerthError.invalidArgument("\(node.mark): \(path.isEmpty ? "value" : path): \(error.message)")
            }
            return YAMLNode(.scalar(s), mark: node.mark)
        case .sequence(let items):
            var out: [YAMLNode] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                out.append(try interpolate(item, path: KeyPath.index(path, i), unset: &unset))
            }
            return YAMLNode(.sequence(out), mark: node.mark)
        case .mapping(let pairs):
            var out: [YAMLPair] = []
            out.reserveCapacity(pairs.count)
            for pair in pairs {
                let key = pair.key.scalar?.value ?? "?"
                out.append(YAMLPair(key: pair.key, value: try interpolate(pair.value, path: KeyPath.child(path, key), unset: &unset)))
            }
            return YAMLNode(.mapping(out), mark: node.mark)
        }
    }
}
