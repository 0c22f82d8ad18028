import BerthSystem

/// `extends:` of services, resolved on the YAML tree before files are merged:
/// the base service (in this file or in `file:`, relative to this file) is
/// merged under the extending one with the usual merge rules. Relative paths
/// of a base from another directory are made absolute against that
/// directory, as compose rebases them.
enum Extends {
    static func resolve(_ root: YAMLNode, file: String, template: Template, unset: inout [String]) throws -> YAMLNode {
        guard let services = root["services"], let pairs = services.mapping,
              pairs.contains(where: { $0.value["extends"] != nil }) else { return root }
        var resolver = Resolver(template: template, documents: [file: root])
        var resolved: [YAMLPair] = []
        for pair in pairs {
            let name = pair.key.scalar?.value ?? ""
            let node = pair.value["extends"] == nil ? pair.value : try resolver.service(name, file: file, mark: pair.key.mark, stack: [])
            resolved.append(YAMLPair(key: pair.key, value: node))
        }
        unset += resolver.unset
        var top = root.mapping ?? []
        if let at = top.firstIndex(where: { $0.key.scalar?.value == "services" }) {
            top[at].value = YAMLNode(.mapping(resolved), mark: services.mark)
        }
        return YAMLNode(.mapping(top), mark: root.mark)
    }

    struct Resolver {
        let template: Template
        var documents: [String: YAMLNode]
        var unset: [String] = []

        mutating func document(_ file: String, mark: YAMLMark) throws -> YAMLNode {
            if let doc = documents[file] { return doc }
            guard let text = try FileAccess.read(file) else {
                throw BerthError.notFound("\(mark): extends: file \(file) not found")
            }
            let doc = try template.interpolate(try YAMLParser.parse(text, file: file), unset: &unset)
            documents[file] = doc
            return doc
        }

        mutating func service(_ name: String, file: String, mark: YAMLMark, stack: [String]) throws -> YAMLNode {
            let key = "\(file)#\(name)"
            if stack.contains(key) {
                let cycle = (stack + [key]).map { $0.split(separator: "#").last.map(String.init) ?? $0 }
                throw BerthError.invalidArgument("\(mark): extends cycle: \(cycle.joined(separator: " -> "))")
            }
            let root = try document(file, mark: mark)
            guard let node = root["services"]?[name] else {
                throw BerthError.notFound("\(mark): extends: service \"\(name)\" not found in \(file)")
            }
            guard let ext = node["extends"] else { return node }
            let path = "services.\(name).extends"
            let baseName: String
            var baseFile = file
            if ext.scalar != nil {
                baseName = try Value.string(ext, path)
            } else {
                var f = try Fields(ext, path: path)
                guard let s = try f.string("service") else { throw valueError(ext, path, "needs a service") }
                baseName = s
                if let other = try f.string("file") {
                    baseFile = Paths.normalise(other.hasPrefix("/") ? other : Paths.dirname(file) + "/" + other)
                }
                try f.finish()
            }
            var base = try service(baseName, file: baseFile, mark: ext.mark, stack: stack + [key])
            if Paths.dirname(baseFile) != Paths.dirname(file) {
                base = rebase(base, dir: Paths.dirname(baseFile))
            }
            let own = YAMLNode(.mapping((node.mapping ?? []).filter { $0.key.scalar?.value != "extends" }), mark: node.mark)
            return ComposeMerge.merge(base, own, path: ["services", name])
        }

        /// Makes the relative paths of a base service absolute against `dir`.
        func rebase(_ service: YAMLNode, dir: String) -> YAMLNode {
            func abs(_ node: YAMLNode) -> YAMLNode {
                guard var s = node.scalar, !s.value.hasPrefix("/"), !s.value.hasPrefix("~"), !Paths.isRemote(s.value) else { return node }
                s.value = Paths.normalise(dir + "/" + s.value)
                return YAMLNode(.scalar(s), mark: node.mark)
            }
            guard var pairs = service.mapping else { return service }
            for i in pairs.indices {
                let value = pairs[i].value
                switch pairs[i].key.scalar?.value {
                case "build":
                    if value.scalar != nil { pairs[i].value = abs(value) }
                    else if var b = value.mapping, let c = b.firstIndex(where: { $0.key.scalar?.value == "context" }) {
                        b[c].value = abs(b[c].value)
                        pairs[i].value = YAMLNode(.mapping(b), mark: value.mark)
                    }
                case "env_file":
                    if value.scalar != nil { pairs[i].value = abs(value) }
                    else if let items = value.sequence { pairs[i].value = YAMLNode(.sequence(items.map { $0.scalar != nil ? abs($0) : $0 }), mark: value.mark) }
                case "volumes":
                    guard let items = value.sequence else { break }
                    pairs[i].value = YAMLNode(.sequence(items.map { item in
                        guard var s = item.scalar, s.value.hasPrefix(".") else { return item }
                        s.value = Paths.normalise(dir + "/" + s.value)
                        return YAMLNode(.scalar(s), mark: item.mark)
                    }), mark: value.mark)
                default:
                    break
                }
            }
            return YAMLNode(.mapping(pairs), mark: service.mark)
        }
    }
}
