// `$…` expansion of the shell lexer (lex.go's processDollar) and the
// `#`/`%`/`/` pattern operators (lex.go's convertShellPatternToRegex, here
// matched directly instead of through a regular expression).

extension LexState {
    mutating func processDollar() throws -> String {
        _ = next()  // "$"
        guard peek() == "{" else {
            let name = processName()
            if name.isEmpty { return "$" }
            if let value = getEnv(name) { return value }
            return lexer.skipUnsetEnv ? "$" + name : ""
        }
        _ = next()  // "{"
        switch peek() {
        case nil: throw LexError(message: "syntax error: missing '}'")
        case "{", "}", ":": throw LexError(message: "syntax error: bad substitution")
        default: break
        }
        let name = processName()
        guard var ch = next() else { throw LexError(message: "syntax error: missing '}'") }
        var modifier = String(ch)
        switch ch {
        case "}":
            if let value = getEnv(name) { return value }
            return lexer.skipUnsetEnv ? "${\(name)}" : ""
        case ":", "+", "-", "?", "#", "%":
            var nullIsUnset = false
            if ch == ":" {
                nullIsUnset = true
                guard let following = next() else { throw LexError(message: "syntax error: missing '}'") }
                ch = following
                modifier.unicodeScalars.append(ch)
            }
            let isPattern = ch == "#" || ch == "%"
            if nullIsUnset && isPattern {
                throw LexError(message: "unsupported modifier (\(modifier)) in substitution")
            }
            let word: String
            do {
                word = try processStopOn("}", rawEscapes: isPattern).0
            } catch {
                if peek() == nil { throw LexError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = getEnv(name)
            if lexer.skipUnsetEnv && value == nil { return "${\(name)\(modifier)\(word)}" }
            let unset = value == nil || (nullIsUnset && value == "")
            switch ch {
            case "-":
                return unset ? word : value!
            case "+":
                return unset ? "" : word
            case "?":
                if value == nil {
                    throw LexError(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset && value == "" {
                    throw LexError(message: "\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value!
            case "#", "%":
                // `#`/`%` remove the shortest match, `##`/`%%` the longest.
                var pattern = word
                var greedy = false
                if pattern.unicodeScalars.first == ch {
                    greedy = true
                    pattern.unicodeScalars.removeFirst()
                }
                let tokens = try ShellPattern.compile(pattern)
                let scalars = Array((value ?? "").unicodeScalars)
                return ch == "#"
                    ? ShellPattern.trimPrefix(tokens, scalars, greedy: greedy)
                    : ShellPattern.trimSuffix(tokens, scalars, greedy: greedy)
            default:
                throw LexError(message: "unsupported modifier (\(modifier)) in substitution")
            }
        case "/":
            let replaceAll = peek() == "/"
            if replaceAll { _ = next() }
            let pattern: String
            let replacement: String
            do {
                pattern = try processStopOn("/", rawEscapes: true).0
            } catch {
                if peek() == nil { throw LexError(message: "syntax error: missing '/' in ${}") }
                throw error
            }
            do {
                replacement = try processStopOn("}", rawEscapes: true).0
            } catch {
                if peek() == nil { throw LexError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = getEnv(name)
            if lexer.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
            let tokens = try ShellPattern.compile(pattern)
            return ShellPattern.replace(tokens, in: Array((value ?? "").unicodeScalars),
                                        with: replacement, all: replaceAll)
        default:
            throw LexError(message: "unsupported modifier (\(modifier)) in substitution")
        }
    }
}

/// Shell wildcard patterns of `${VAR#pattern}`: `*` any string, `?` one
/// character, `\*` `\?` `\\` literals; `\}` and `\/` stand for `}` and `/`.
enum ShellPattern {
    enum Token: Equatable { case literal(Unicode.Scalar), any, star }

    static func compile(_ pattern: String) throws -> [Token] {
        var tokens: [Token] = []
        let pending = Array(pattern.unicodeScalars)
        var i = 0
        while i < pending.count {
            let ch = pending[i]
            i += 1
            switch ch {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                guard i < pending.count else {
                    throw LexError(message: "invalid pattern (\(pattern)) in substitution: trailing backslash")
                }
                let escaped = pending[i]
                if escaped == "}" || escaped == "/" { continue }
                guard escaped == "*" || escaped == "?" || escaped == "\\" else {
                    throw LexError(message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\\(escaped)'")
                }
                i += 1
                tokens.append(.literal(escaped))
            default: tokens.append(.literal(ch))
            }
        }
        return tokens
    }

    /// Whether `tokens` match all of `text`.
    static func matches(_ tokens: ArraySlice<Token>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = tokens.first else { return text.isEmpty }
        switch first {
        case .star:
            var rest = text
            while true {
                if matches(tokens.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case .any:
            return !text.isEmpty && matches(tokens.dropFirst(), text.dropFirst())
        case .literal(let c):
            return text.first == c && matches(tokens.dropFirst(), text.dropFirst())
        }
    }

    static func trimPrefix(_ tokens: [Token], _ value: [Unicode.Scalar], greedy: Bool) -> String {
        let lengths = greedy ? Array((0...value.count).reversed()) : Array(0...value.count)
        for n in lengths where matches(tokens[...], value[..<n]) {
            return String(String.UnicodeScalarView(value[n...]))
        }
        return String(String.UnicodeScalarView(value))
    }

    static func trimSuffix(_ tokens: [Token], _ value: [Unicode.Scalar], greedy: Bool) -> String {
        let starts = greedy ? Array(0...value.count) : Array((0...value.count).reversed())
        for start in starts where matches(tokens[...], value[start...]) {
            return String(String.UnicodeScalarView(value[..<start]))
        }
        return String(String.UnicodeScalarView(value))
    }

    /// Replaces the leftmost-longest match (or every non-overlapping one).
    static func replace(_ tokens: [Token], in value: [Unicode.Scalar], with replacement: String, all: Bool) -> String {
        var out = String.UnicodeScalarView()
        var start = 0
        var replaced = false
        while start <= value.count {
            if replaced && !all { break }
            var matchEnd: Int?
            for end in stride(from: value.count, through: start, by: -1) where matches(tokens[...], value[start..<end]) {
                matchEnd = end
                break
            }
            if let end = matchEnd {
                out.append(contentsOf: replacement.unicodeScalars)
                replaced = true
                if end == start {
                    if start < value.count { out.append(value[start]) }
                    start += 1
                } else {
                    start = end
                }
            } else {
                if start < value.count { out.append(value[start]) }
                start += 1
            }
        }
        if start < value.count { out.append(contentsOf: value[start...]) }
        return String(out)
    }
}
