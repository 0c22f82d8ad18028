/// Where a YAML node starts: file, 1-based line and column. Every error about
/// a compose file names one of these, so a user can jump to the value.
public struct YAMLMark: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// How a scalar was written. Only plain scalars are resolved to null, bool or
/// numbers; a quoted "80" stays a string (YAML core schema, as compose-go's
/// yaml.v3 does).
public enum YAMLScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A YAML scalar: its text, how it was written and its explicit tag, if any.
public struct YAMLScalar: Sendable, Equatable {
    public var value: String
    public var style: YAMLScalarStyle
    public var tag: String?

    public init(_ value: String, style: YAMLScalarStyle = .plain, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }
}

/// One key/value pair of a mapping; keys keep their order and their mark.
public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A node of a YAML document after anchors, aliases and merge keys are
/// resolved: a scalar, a sequence or a mapping with ordered keys.
public struct YAMLNode: Sendable, Equatable {
    /// What the node holds.
    public enum Content: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    public var mark: YAMLMark

    public init(_ content: Content, mark: YAMLMark) {
        self.content = content
        self.mark = mark
    }

    public static func scalar(_ value: String, style: YAMLScalarStyle = .plain, mark: YAMLMark) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(value, style: style)), mark: mark)
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// The items, if this node is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The pairs, if this node is a mapping.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// True for `null`, `~`, an empty plain scalar or an explicit `!!null`.
    public var isNull: Bool {
        guard let s = scalar else { return false }
        if s.tag == "tag:yaml.org,2002:null" { return true }
        guard s.style == .plain, s.tag == nil else { return false }
        return s.value.isEmpty || s.value == "~" || s.value == "null" || s.value == "Null" || s.value == "NULL"
    }

    /// The value for a scalar key in a mapping (last one wins; the parser
    /// rejects duplicates).
    public subscript(key: String) -> YAMLNode? {
        mapping?.last(where: { $0.key.scalar?.value == key })?.value
    }

    /// A short word for error messages: "a mapping", "a sequence", "a string".
    var kindName: String {
        switch content {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }
}
