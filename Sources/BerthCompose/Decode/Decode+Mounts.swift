import BerthSystem

// Ports and mounts: the short syntaxes and the long mappings.

extension ServicePort {
    /// One `ports` item: a number, a short-syntax string or a mapping.
    static func decode(_ node: YAMLNode, _ path: String) throws -> [ServicePort] {
        if node.scalar != nil {
            let spec = try Value.string(node, path)
            guard let ports = ServicePort.parseShort(spec) else { throw valueError(node, path, "invalid port \"\(spec)\"") }
            return ports
        }
        var f = try Fields(node, path: path)
        guard let targetNode = f.take("target") else { throw valueError(node, path, "needs a target port") }
        let target = try Value.int(targetNode, f.childPath("target"))
        guard (1...65535).contains(target) else { throw valueError(targetNode, f.childPath("target"), "invalid port \(target)") }
        var port = ServicePort(target: target)
        if let n = f.take("published") {
            let text = try Value.string(n, f.childPath("published"))
            guard ServicePort.parseRange(text) != nil else { throw valueError(n, f.childPath("published"), "invalid port \"\(text)\"") }
            port.published = text
        }
        port.hostIp = try f.string("host_ip")
        if let n = f.take("protocol") {
            let p = try Value.string(n, f.childPath("protocol")).lowercased()
            guard ["tcp", "udp", "sctp"].contains(p) else { throw valueError(n, f.childPath("protocol"), "invalid protocol \"\(p)\" (tcp, udp, sctp)") }
            port.protocol = p
        }
        if let n = f.take("mode") {
            let m = try Value.string(n, f.childPath("mode"))
            guard m == "host" || m == "ingress" else { throw valueError(n, f.childPath("mode"), "invalid mode \"\(m)\" (host, ingress)") }
            port.mode = m
        }
        port.name = try f.string("name")
        port.appProtocol = try f.string("app_protocol")
        try f.finish()
        return [port]
    }
}

/// A file mode: YAML ints with a leading 0 are octal (yaml.v3 reads them
/// with base 0, as compose-go relies on), so `0440` is r--r-----.
func fileMode(_ node: YAMLNode, _ path: String) throws -> UInt32 {
    let text = try Value.scalarText(node, path, "a file mode")
    let mode: UInt32?
    if text.hasPrefix("0o") { mode = UInt32(text.dropFirst(2), radix: 8) }
    else if text.hasPrefix("0") && text.count > 1 { mode = UInt32(text.dropFirst(), radix: 8) }
    else { mode = UInt32(text) }
    guard let mode, mode <= 0o7777 else { throw valueError(node, path, "invalid file mode \"\(text)\"") }
    return mode
}

extension ServiceVolume {
    static let types: Set<String> = ["volume", "bind", "tmpfs", "npipe", "cluster", "image"]

    static func decode(_ node: YAMLNode, _ path: String, _ context: DecodeContext) throws -> ServiceVolume {
        if node.scalar != nil {
            let spec = try Value.string(node, path)
            switch ServiceVolume.parseShort(spec) {
            case .failure(let error): throw valueError(node, path, "invalid volume \"\(spec)\": \(error.reason)")
            case .success(var v):
                if v.type == "bind", let source = v.source { v.source = context.absolute(source) }
                return v
            }
        }
        var f = try Fields(node, path: path)
        guard let typeNode = f.take("type") else { throw valueError(node, path, "needs a type (volume, bind, tmpfs)") }
        let type = try Value.string(typeNode, f.childPath("type"))
        guard types.contains(type) else { throw valueError(typeNode, f.childPath("type"), "invalid mount type \"\(type)\"") }
        guard let target = try f.string("target") else { throw valueError(node, path, "needs a target") }
        var v = ServiceVolume(type: type, source: try f.string("source"), target: target)
        if type == "bind" {
            guard let source = v.source else { throw valueError(node, path, "a bind mount needs a source") }
            v.source = context.absolute(source)
        }
        v.readOnly = try f.bool("read_only") ?? false
        v.consistency = try f.string("consistency")
        if let n = f.take("bind") {
            var b = try Fields(n, path: f.childPath("bind"))
            var o = BindOptions()
            if let p = b.take("propagation") {
                let value = try Value.string(p, b.childPath("propagation"))
                guard propagations.contains(value) else { throw valueError(p, b.childPath("propagation"), "invalid propagation \"\(value)\"") }
                o.propagation = value
            }
            o.createHostPath = try b.bool("create_host_path")
            o.selinux = try b.string("selinux")
            try b.finish(unsupported: ["recursive"])
            v.bind = o
        }
        if let n = f.take("volume") {
            var b = try Fields(n, path: f.childPath("volume"))
            var o = VolumeOptions()
            o.nocopy = try b.bool("nocopy")
            o.subpath = try b.string("subpath")
            try b.finish()
            v.volume = o
        }
        if let n = f.take("tmpfs") {
            var b = try Fields(n, path: f.childPath("tmpfs"))
            var o = TmpfsOptions()
            o.size = try b.bytes("size")
            if let m = b.take("mode") { o.mode = try fileMode(m, b.childPath("mode")) }
            try b.finish()
            v.tmpfs = o
        }
        try f.finish(unsupported: ["image"])
        if v.type == "tmpfs" && v.source != nil { throw valueError(node, path, "a tmpfs mount has no source") }
        return v
    }
}
