import BerthSystem
import Crypto

extension Service {
    /// The value of `com.docker.compose.config-hash`: sha256 (hex) of the
    /// canonical JSON of the service, keys sorted. Like compose's ServiceHash
    /// it leaves out what does not change the container: build, pull_policy,
    /// scale, deploy.replicas, depends_on and profiles. Equal configs give the
    /// same hash whatever the key order or syntax in the file.
    public func configHash() -> String {
        var s = self
        s.build = nil
        s.pullPolicy = nil
        s.scale = nil
        s.deploy?.replicas = nil
        if s.deploy == Deploy() { s.deploy = nil }
        s.dependsOn = [:]
        s.profiles = []
        let json = CanonicalJSON.encode(s.yamlNode())
        return SHA256.hash(data: Array(json.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// JSON with sorted keys and no whitespace, from a model YAML tree: plain
/// scalars are the numbers, booleans and nulls the builder wrote, all
/// others strings.
enum CanonicalJSON {
    static func encode(_ node: YAMLNode) -> String {
        var out = ""
        write(node, &out)
        return out
    }

    private static func write(_ node: YAMLNode, _ out: inout String) {
        switch node.content {
        case .scalar(let s):
            if s.style == .plain { out += s.value.isEmpty ? "null" : s.value } else { JSONText.appendQuoted(s.value, to: &out) }
        case .sequence(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, &out)
            }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            let sorted = pairs.sorted { ($0.key.scalar?.value ?? "") < ($1.key.scalar?.value ?? "") }
            for (i, pair) in sorted.enumerated() {
                if i > 0 { out += "," }
                JSONText.appendQuoted(pair.key.scalar?.value ?? "", to: &out)
                out += ":"
                write(pair.value, &out)
            }
            out += "}"
        }
    }
}
