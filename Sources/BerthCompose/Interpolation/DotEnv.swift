import BerthSystem

/// Reads `.env` and `env_file` files the way compose-go's dotenv package
/// does: `KEY=VALUE` (or `KEY: VALUE`), an optional `export ` prefix, `#`
/// comments, single quotes taken literally, double quotes with `\n`-style
/// escapes spanning lines, unquoted values trimmed and cut at ` #`, and
/// `${VAR}` expanded in unquoted and double-quoted values from the keys above
/// and then `lookup`. A bare `KEY` takes its value from `lookup` or is skipped.
public enum DotEnv {
    public static func parse(_ text: String, file: String, lookup: @escaping @Sendable (String) -> String? = { _ in nil }) throws -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        var known: [String: String] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = trim(lines[index])
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = trim(String(line.dropFirst(7))) }
            let keyEnd = line.firstIndex(where: { $0 == "=" || $0 == ":" })
            let key = trim(String(keyEnd.map { line[..<$0] } ?? line[...]))
            guard !key.isEmpty, key.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace }) else {
                throw BerthError.invalidArgument("\(file):\(lineNumber): unexpected character in variable name \"\(key)\"")
            }
            guard let keyEnd else {
                // A bare name: inherit from the environment when set.
                if let value = known[key] ?? lookup(key) { result.append((key, value)); known[key] = value }
                continue
            }
            var raw = String(line[line.index(after: keyEnd)...])
            raw = String(raw.drop(while: { $0 == " " || $0 == "\t" }))
            let value: String
            if raw.hasPrefix("'") || raw.hasPrefix("\"") {
                let quote = raw.first!
                var body = String(raw.dropFirst())
                // A quoted value may continue on the next lines.
                while closingQuote(body, quote) == nil, index < lines.count {
                    body += "\n" + lines[index]
                    index += 1
                }
                guard let end = closingQuote(body, quote) else {
                    throw BerthError.invalidArgument("\(file):\(lineNumber): unterminated quoted value for \(key)")
                }
                let inner = String(body[..<end])
                if quote == "'" {
                    value = inner
                } else {
                    value = try expand(unescape(inner), known: known, lookup: lookup, file: file, line: lineNumber)
                }
            } else {
                var v = raw
                // An inline comment starts at a blank followed by '#'.
                if let hash = v.indices.first(where: { v[$0] == "#" && $0 > v.startIndex && (v[v.index(before: $0)] == " " || v[v.index(before: $0)] == "\t") }) {
                    v = String(v[..<hash])
                }
                value = try expand(trim(v), known: known, lookup: lookup, file: file, line: lineNumber)
            }
            result.append((key, value))
            known[key] = value
        }
        return result
    }

    static func trim(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub = sub.dropLast() }
        return String(sub)
    }

    /// The index of the unescaped closing quote.
    static func closingQuote(_ s: String, _ quote: Character) -> String.Index? {
        var escaped = false
        for i in s.indices {
            let c = s[i]
            if escaped { escaped = false; continue }
            if c == "\\" && quote == "\"" { escaped = true; continue }
            if c == quote { return i }
        }
        return nil
    }

    static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\"", "\\": out.append(c)
                default: out.append("\\"); out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    static func expand(_ s: String, known: [String: String], lookup: @escaping @Sendable (String) -> String?, file: String, line: Int) throws -> String {
        guard s.contains("$") else { return s }
        let snapshot = known
        let template = Template(lookup: { snapshot[$0] ?? lookup($0) })
        do {
            return try template.substitute(s)
        } catch {
            throw BerthError.invalidArgument("\(file):\(line): \(error.message)")
        }
    }
}
