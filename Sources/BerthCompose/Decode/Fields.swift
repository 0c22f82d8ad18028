import BerthSystem

/// The error for a bad value: where it is, its key path, what is wrong —
/// `compose.yaml:7:5: services.web.ports[1]: invalid port "80:eighty"`.
func valueError(_ node: YAMLNode, _ path: String, _ message: String) -> BerthError {
    .invalidArgument("\(node.mark): \(path): \(message)")
}

/// A mapping being decoded: hands out values by key, remembers which keys
/// were read, and at the end refuses every key nobody read, except `x-`
/// extensions, so a typo like `portz` is an error naming its path and line.
struct Fields {
    let node: YAMLNode
    let path: String
    private(set) var pairs: [(key: String, value: YAMLNode, keyNode: YAMLNode)] = []
    private var used: Set<String> = []

    init(_ node: YAMLNode, path: String) throws {
        guard let mapping = node.mapping else {
            throw valueError(node, path, "must be a mapping, not \(node.kindName)")
        }
        self.node = node
        self.path = path
        for pair in mapping {
            guard let key = pair.key.scalar?.value else {
                throw valueError(pair.key, path, "keys must be strings")
            }
            pairs.append((key, pair.value, pair.key))
        }
    }

    /// The value under `key`, or nil when absent or null.
    mutating func take(_ key: String) -> YAMLNode? {
        used.insert(key)
        guard let node = pairs.last(where: { $0.key == key })?.value, !node.isNull else { return nil }
        return node
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    func childPath(_ key: String) -> String { KeyPath.child(path, key) }

    /// Refuses unread keys. Keys listed in `unsupported` are valid compose
    /// that berth does not implement: say so rather than "unknown".
    func finish(unsupported: Set<String> = []) throws {
        for pair in pairs where !used.contains(pair.key) && !pair.key.hasPrefix("x-") {
            if unsupported.contains(pair.key) {
                throw valueError(pair.keyNode, childPath(pair.key), "not supported by berth")
            }
            throw valueError(pair.keyNode, childPath(pair.key), "unknown key")
        }
    }

    // MARK: typed getters; nil when the key is absent or null.

    mutating func string(_ key: String) throws -> String? {
        try take(key).map { try Value.string($0, childPath(key)) }
    }

    mutating func int(_ key: String) throws -> Int? {
        try take(key).map { try Value.int($0, childPath(key)) }
    }

    mutating func int64(_ key: String) throws -> Int64? {
        try take(key).map { Int64(try Value.int($0, childPath(key))) }
    }

    mutating func bool(_ key: String) throws -> Bool? {
        try take(key).map { try Value.bool($0, childPath(key)) }
    }

    mutating func double(_ key: String) throws -> Double? {
        try take(key).map { try Value.double($0, childPath(key)) }
    }

    mutating func duration(_ key: String) throws -> Duration? {
        try take(key).map { try Value.duration($0, childPath(key)) }
    }

    mutating func bytes(_ key: String) throws -> Int64? {
        try take(key).map { try Value.bytes($0, childPath(key)) }
    }

    mutating func strings(_ key: String) throws -> [String] {
        try take(key).map { try Value.strings($0, childPath(key)) } ?? []
    }

    mutating func stringOrList(_ key: String) throws -> [String] {
        try take(key).map { try Value.stringOrList($0, childPath(key)) } ?? []
    }

    /// A `KEY=VALUE` list or a mapping, with null values dropped.
    mutating func dictionary(_ key: String) throws -> [String: String] {
        guard let node = take(key) else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in try Value.keyValues(node, childPath(key)) { if let v { out[k] = v } }
        return out
    }
}

/// Scalar typing. compose-go casts by schema after interpolation, so a quoted
/// "8080" is as good as 8080 where a number is expected; booleans also accept
/// yes/no/on/off/y/n (compose-go's toBoolean).
enum Value {
    static func string(_ node: YAMLNode, _ path: String) throws -> String {
        guard let s = node.scalar, !node.isNull else {
            throw valueError(node, path, "must be a string, not \(node.kindName)")
        }
        return s.value
    }

    static func int(_ node: YAMLNode, _ path: String) throws -> Int {
        let text = try scalarText(node, path, "an integer")
        guard let v = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw valueError(node, path, "invalid integer \"\(text)\"")
        }
        return v
    }

    static func bool(_ node: YAMLNode, _ path: String) throws -> Bool {
        let text = try scalarText(node, path, "a boolean")
        switch text.lowercased() {
        case "true", "yes", "y", "on": return true
        case "false", "no", "n", "off": return false
        default: throw valueError(node, path, "invalid boolean \"\(text)\"")
        }
    }

    static func double(_ node: YAMLNode, _ path: String) throws -> Double {
        let text = try scalarText(node, path, "a number")
        guard let v = Double(text), v.isFinite else { throw valueError(node, path, "invalid number \"\(text)\"") }
        return v
    }

    static func duration(_ node: YAMLNode, _ path: String) throws -> Duration {
        let text = try scalarText(node, path, "a duration")
        guard let d = Duration(parsing: text) else {
            throw valueError(node, path, "invalid duration \"\(text)\" (use Go syntax like 1m30s, 10s, 500ms)")
        }
        return d
    }

    static func bytes(_ node: YAMLNode, _ path: String) throws -> Int64 {
        let text = try scalarText(node, path, "a byte size")
        guard let b = ByteSize.parse(text) else {
            throw valueError(node, path, "invalid size \"\(text)\" (use bytes or a unit: 512m, 1g)")
        }
        return b
    }

    static func scalarText(_ node: YAMLNode, _ path: String, _ what: String) throws -> String {
        guard let s = node.scalar, !node.isNull else {
            throw valueError(node, path, "must be \(what), not \(node.kindName)")
        }
        return s.value
    }

    static func strings(_ node: YAMLNode, _ path: String) throws -> [String] {
        guard let items = node.sequence else {
            throw valueError(node, path, "must be a sequence, not \(node.kindName)")
        }
        return try items.enumerated().map { try string($1, KeyPath.index(path, $0)) }
    }

    static func stringOrList(_ node: YAMLNode, _ path: String) throws -> [String] {
        if node.scalar != nil { return [try string(node, path)] }
        return try strings(node, path)
    }

    /// `command:`/`entrypoint:`: a string split into shell words, or a list.
    static func command(_ node: YAMLNode, _ path: String) throws -> [String] {
        if node.scalar != nil {
            do {
                return try ShellWords.split(try string(node, path))
            } catch let error as BerthError {
                throw valueError(node, path, error.message)
            }
        }
        return try strings(node, path)
    }

    /// A mapping, or a list of `KEY=VALUE` / `KEY` entries, in order. A
    /// null value (or a bare `KEY`) is nil.
    static func keyValues(_ node: YAMLNode, _ path: String, separator: Character = "=") throws -> [(String, String?)] {
        switch node.content {
        case .mapping(let pairs):
            return try pairs.map { pair in
                let key = try string(pair.key, path)
                let value: String? = pair.value.isNull ? nil : try scalarText(pair.value, KeyPath.child(path, key), "a string")
                return (key, value)
            }
        case .sequence(let items):
            return try items.enumerated().map { i, item in
                let entry = try string(item, KeyPath.index(path, i))
                guard let sep = entry.firstIndex(of: separator) else { return (entry, nil) }
                return (String(entry[..<sep]), String(entry[entry.index(after: sep)...]))
            }
        case .scalar:
            throw valueError(node, path, "must be a mapping or a list, not \(node.kindName)")
        }
    }
}
