import BerthSystem

/// Compose's variable substitution (compose-go's template package):
/// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`,
/// `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` for a literal `$`.
/// Defaults, alternatives and error messages are themselves templates, so
/// `${A:-${B:-x}}` nests. A variable that is unset and has no default becomes
/// the empty string and is reported through `warnings`, as compose warns.
public struct Template: Sendable {
    /// Why a template could not be expanded. `message` is compose-go's text.
    public struct Failure: Error, Equatable, Sendable {
        public var message: String
    }

    public let lookup: @Sendable (String) -> String?

    public init(lookup: @escaping @Sendable (String) -> String?) {
        self.lookup = lookup
    }

    public init(environment: [String: String]) {
        self.lookup = { environment[$0] }
    }

    /// Expands `text`; unset variables without a default are appended to
    /// `unset` (compose prints "The "X" variable is not set").
    public func substitute(_ text: String, unset: inout [String]) throws(Failure) -> String {
        let chars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$" else {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < chars.count else { throw Failure(message: "Invalid template: \"\(text)\"") }
            let n = chars[i + 1]
            if n == "$" {
                out.append("$")
                i += 2
            } else if n == "{" {
                guard let close = Self.closingBrace(chars, from: i + 2) else {
                    throw Failure(message: "Invalid template: \"\(text)\"")
                }
                let inner = String(String.UnicodeScalarView(chars[(i + 2)..<close]))
                out.append(contentsOf: try braced(inner, template: text, unset: &unset).unicodeScalars)
                i = close + 1
            } else if Self.isNameStart(n) {
                var j = i + 1
                while j < chars.count, Self.isNameChar(chars[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(chars[(i + 1)..<j]))
                if let value = lookup(name) {
                    out.append(contentsOf: value.unicodeScalars)
                } else {
                    unset.append(name)
                }
                i = j
            } else {
                throw Failure(message: "Invalid template: \"\(text)\"")
            }
        }
        return String(out)
    }

    /// Convenience when the caller does not collect warnings.
    public func substitute(_ text: String) throws(Failure) -> String {
        var unset: [String] = []
        return try substitute(text, unset: &unset)
    }

    /// The index of the `}` closing a `${` whose body starts at `from`,
    /// counting nested `${ … }` (compose-go's getFirstBraceClosingIndex).
    static func closingBrace(_ chars: [Unicode.Scalar], from: Int) -> Int? {
        var depth = 1
        var j = from
        while j < chars.count {
            if chars[j] == "}" {
                depth -= 1
                if depth == 0 { return j }
            } else if chars[j] == "$", j + 1 < chars.count, chars[j + 1] == "{" {
                depth += 1
                j += 1
            }
            j += 1
        }
        return nil
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || ("0"..."9").contains(c)
    }

    /// The body of `${…}`: a name, then nothing or one operator and its
    /// argument. The operator is whatever follows the name, so
    /// `${A-x:?y}` is a default of `x:?y` (compose-go picks the first).
    private func braced(_ body: String, template: String, unset: inout [String]) throws(Failure) -> String {
        let chars = Array(body.unicodeScalars)
        guard let first = chars.first, Self.isNameStart(first) else {
            throw Failure(message: "Invalid template: \"\(template)\"")
        }
        var j = 1
        while j < chars.count, Self.isNameChar(chars[j]) { j += 1 }
        let name = String(String.UnicodeScalarView(chars[0..<j]))
        if j == chars.count {
            if let value = lookup(name) { return value }
            unset.append(name)
            return ""
        }
        var op = String(chars[j])
        if chars[j] == ":" {
            guard j + 1 < chars.count else { throw Failure(message: "Invalid template: \"\(template)\"") }
            op.unicodeScalars.append(chars[j + 1])
        }
        let argument = String(String.UnicodeScalarView(chars[(j + op.unicodeScalars.count)...]))
        let value = lookup(name)
        switch op {
        case ":-":
            if let value, !value.isEmpty { return value }
            return try substitute(argument, unset: &unset)
        case "-":
            if let value { return value }
            return try substitute(argument, unset: &unset)
        case ":+":
            if let value, !value.isEmpty { return try substitute(argument, unset: &unset) }
            return ""
        case "+":
            if value != nil { return try substitute(argument, unset: &unset) }
            return ""
        case ":?", "?":
            if let value, op == "?" || !value.isEmpty { return value }
            let message = try substitute(argument, unset: &unset)
            var text = "required variable \(name) is missing a value"
            if !message.isEmpty { text += ": \(message)" }
            throw Failure(message: text)
        default:
            throw Failure(message: "Invalid template: \"\(template)\"")
        }
    }
}
