/// Writes a `YAMLNode` tree as block-style YAML, the way `docker compose
/// config` prints a project. Strings that a YAML reader would take for
/// something else (`yes`, `80`, `null`, `: `, a leading `*`) are
/// double-quoted, so the output parses back to the same tree.
public enum YAMLEmitter {
    public static func emit(_ node: YAMLNode) -> String {
        var out = ""
        switch node.content {
        case .scalar:
            out = scalarText(node) + "\n"
        case .sequence, .mapping:
            if isEmptyCollection(node) {
                out = inlineEmpty(node) + "\n"
            } else {
                write(node, indent: 0, into: &out)
            }
        }
        return out
    }

    private static func isEmptyCollection(_ node: YAMLNode) -> Bool {
        switch node.content {
        case .scalar: return false
        case .sequence(let items): return items.isEmpty
        case .mapping(let pairs): return pairs.isEmpty
        }
    }

    private static func inlineEmpty(_ node: YAMLNode) -> String {
        node.sequence != nil ? "[]" : "{}"
    }

    /// Writes a non-empty collection, each line starting at `indent` spaces.
    private static func write(_ node: YAMLNode, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch node.content {
        case .scalar:
            out += pad + scalarText(node) + "\n"
        case .mapping(let pairs):
            for pair in pairs {
                out += pad + keyText(pair.key) + ":"
                writeValue(pair.value, indent: indent + 2, into: &out)
            }
        case .sequence(let items):
            for item in items {
                out += pad + "-"
                switch item.content {
                case .scalar:
                    out += " " + scalarText(item) + "\n"
                case .sequence, .mapping:
                    if isEmptyCollection(item) {
                        out += " " + inlineEmpty(item) + "\n"
                    } else {
                        // The first line of a nested collection follows "- ".
                        var nested = ""
                        write(item, indent: indent + 2, into: &nested)
                        out += " " + nested.dropFirst(indent + 2)
                    }
                }
            }
        }
    }

    private static func writeValue(_ value: YAMLNode, indent: Int, into out: inout String) {
        switch value.content {
        case .scalar:
            out += " " + scalarText(value) + "\n"
        case .sequence, .mapping:
            if isEmptyCollection(value) {
                out += " " + inlineEmpty(value) + "\n"
            } else {
                out += "\n"
                write(value, indent: indent, into: &out)
            }
        }
    }

    private static func keyText(_ key: YAMLNode) -> String {
        guard let s = key.scalar else { return "\"?\"" }
        return needsQuotes(s.value) ? quoted(s.value) : s.value
    }

    /// Plain scalars (numbers, booleans, null as they were typed) stay plain;
    /// strings are quoted only when a reader would misread them.
    static func scalarText(_ node: YAMLNode) -> String {
        guard let s = node.scalar else { return "" }
        if s.style == .plain && s.tag == nil { return s.value.isEmpty ? "null" : s.value }
        if needsQuotes(s.value) || resolvesToNonString(s.value) { return quoted(s.value) }
        return s.value
    }

    /// Words YAML 1.1 and 1.2 readers resolve to null, bool or a number.
    static func resolvesToNonString(_ text: String) -> Bool {
        let lower = text.lowercased()
        let words: Set<String> = ["", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf", ".nan"]
        if words.contains(lower) { return true }
        // Anything that starts like a number (digits, sign, dot) is quoted:
        // covers ints, floats, octal/hex and 1.1 sexagesimals like 22:22.
        if let first = text.unicodeScalars.first, "0123456789+-.".unicodeScalars.contains(first) { return true }
        return false
    }

    static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return true }
        if " \t".unicodeScalars.contains(first) || " \t".unicodeScalars.contains(last) { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return true }
        if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return true }
        for u in text.unicodeScalars where u.value < 0x20 || u.value == 0x7f || u.value == 0x85 || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFEFF {
            return true
        }
        return false
    }

    /// A double-quoted scalar with YAML escapes.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7f || u.value == 0x85 || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFEFF {
                    let hex = String(u.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
