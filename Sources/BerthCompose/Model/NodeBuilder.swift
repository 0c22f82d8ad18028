/// Builds a YAML mapping from model values, leaving out what is unset or
/// empty, so that the model can be printed (`compose config`) and hashed.
/// Keys are added in compose's spelling; numbers and booleans are plain
/// scalars, strings are marked as strings so the emitter quotes them where
/// a reader would misread them.
struct NodeBuilder {
    static let mark = YAMLMark(file: "<model>", line: 0, column: 0)
    private(set) var pairs: [YAMLPair] = []

    var node: YAMLNode { YAMLNode(.mapping(pairs), mark: Self.mark) }

    static func string(_ s: String) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(s, style: .doubleQuoted)), mark: mark)
    }

    static func plain(_ s: String) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(s, style: .plain)), mark: mark)
    }

    static func list(_ items: [String]) -> YAMLNode {
        YAMLNode(.sequence(items.map(string)), mark: mark)
    }

    static func map(_ dict: [String: String]) -> YAMLNode {
        YAMLNode(.mapping(dict.keys.sorted().map { YAMLPair(key: plain($0), value: string(dict[$0]!)) }), mark: mark)
    }

    mutating func add(_ key: String, _ node: YAMLNode?) {
        guard let node else { return }
        pairs.append(YAMLPair(key: Self.plain(key), value: node))
    }

    mutating func add(_ key: String, _ value: String?) { add(key, value.map(Self.string)) }
    mutating func add(_ key: String, _ value: Int?) { add(key, value.map { Self.plain(String($0)) }) }
    mutating func add(_ key: String, _ value: Int64?) { add(key, value.map { Self.plain(String($0)) }) }
    mutating func add(_ key: String, _ value: UInt32?) { add(key, value.map { Self.plain(String($0)) }) }
    mutating func add(_ key: String, _ value: Double?) { add(key, value.map { Self.plain(Self.number($0)) }) }
    mutating func add(_ key: String, _ value: Bool?) { add(key, value.map { Self.plain($0 ? "true" : "false") }) }
    mutating func add(_ key: String, _ value: Duration?) { add(key, value.map { Self.string($0.description) }) }

    /// Lists and maps are left out when empty (compose-go's omitempty).
    mutating func add(_ key: String, list: [String]?) {
        guard let list else { return }
        add(key, Self.list(list))
    }

    mutating func add(_ key: String, nonEmpty list: [String]) {
        if !list.isEmpty { add(key, Self.list(list)) }
    }

    mutating func add(_ key: String, map: [String: String]) {
        if !map.isEmpty { add(key, Self.map(map)) }
    }

    mutating func add(_ key: String, nodes: [YAMLNode]) {
        if !nodes.isEmpty { add(key, YAMLNode(.sequence(nodes), mark: Self.mark)) }
    }

    mutating func add(_ key: String, mapping: [String: YAMLNode]) {
        if !mapping.isEmpty {
            add(key, YAMLNode(.mapping(mapping.keys.sorted().map { YAMLPair(key: Self.plain($0), value: mapping[$0]!) }), mark: Self.mark))
        }
    }

    /// `1.5`, and `2` rather than `2.0` so the text reads as compose writes it.
    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}
