#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// A parse failure inside one instruction; the parser adds file and line.
struct InstructionError: Error {
    var message: String
    var line: Int?

    init(_ message: String, line: Int? = nil) {
        self.message = message
        self.line = line
    }
}

/// Splits a logical line into keyword, builder flags and arguments, with the
/// per-instruction argument rules of buildkit's parser/line_parsers.go.
struct LineSplitter {
    let escapeToken: Unicode.Scalar

    func node(from line: String) throws -> RawNode {
        let trimmed = line.trimmingWhitespace()
        let keywordEnd = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\u{0B}" || $0 == "\u{0C}" || $0 == "\r" })
        let command = keywordEnd.map { String(trimmed[..<$0]) } ?? trimmed
        var rest = ""
        var flags: [String] = []
        if let keywordEnd {
            (rest, flags) = extractBuilderFlags(String(trimmed[keywordEnd...]))
        }
        rest = rest.trimmingWhitespace()

        var node = RawNode(command: command, flags: flags, arguments: [], isJSON: false, original: line)
        switch command.lowercased() {
        case "add", "copy", "volume":
            (node.arguments, node.isJSON) = try maybeJSONToList(rest)
        case "arg":
            node.arguments = words(rest)
        case "cmd", "entrypoint", "run", "shell":
            (node.arguments, node.isJSON) = try maybeJSON(rest)
        case "env", "label":
            node.arguments = try nameValues(rest, keyword: command.uppercased())
        case "expose", "from":
            node.arguments = whitespaceDelimited(rest)
        case "healthcheck":
            (node.arguments, node.isJSON) = try healthConfig(rest)
        case "maintainer", "stopsignal", "user", "workdir":
            node.arguments = rest.isEmpty ? [] : [rest]
        case "onbuild":
            if !rest.isEmpty {
                let child = try self.node(from: rest)
                node.child = [child]
                node.arguments = [child.command] + child.arguments
            }
        default:
            break  // unknown instructions are reported by the instruction parser, with their line
        }
        return node
    }

    /// Leading `--flag[=value]` words (extractBuilderFlags); `--` ends them.
    func extractBuilderFlags(_ line: String) -> (String, [String]) {
        let chars = Array(line.unicodeScalars)
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Unicode.Scalar?
        var blankOK = false
        var pos = 0
        func rest(_ at: Int) -> String { String(String.UnicodeScalarView(chars[at...])) }
        while pos <= chars.count {
            if !inWord && quote == nil {
                if pos == chars.count { break }
                let ch = chars[pos]
                if ch.properties.isWhitespace { pos += 1; continue }
                if ch != "-" || pos + 1 == chars.count || chars[pos + 1] != "-" { return (rest(pos), words) }
                inWord = true
            }
            if pos == chars.count {
                if word != "--" && (blankOK || !word.isEmpty) { words.append(word) }
                break
            }
            let ch = chars[pos]
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && pos + 1 < chars.count {
                    pos += 1
                    word.unicodeScalars.append(chars[pos])
                } else if ch != "\\" {
                    word.unicodeScalars.append(ch)
                }
                pos += 1
                continue
            }
            if ch.properties.isWhitespace {
                inWord = false
                if word == "--" { return (rest(pos), words) }
                if blankOK || !word.isEmpty { words.append(word) }
                word = ""
                blankOK = false
                pos += 1
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                blankOK = true
            } else if ch == "\\" {
                if pos + 1 < chars.count {
                    pos += 1
                    word.unicodeScalars.append(chars[pos])
                }
            } else {
                word.unicodeScalars.append(ch)
            }
            pos += 1
        }
        return ("", words)
    }

    /// Words split on blanks, quotes and escapes kept for later expansion (parseWords).
    func words(_ rest: String) -> [String] {
        let chars = Array(rest.unicodeScalars)
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var blankOK = false
        var pos = 0
        while pos < chars.count {
            let ch = chars[pos]
            if let q = quote {
                if ch == q { quote = nil }
                if ch == escapeToken && q != "'" {
                    if pos + 1 == chars.count { quote = nil; pos += 1; continue }
                    word.append(ch)
                    pos += 1
                    word.append(chars[pos])
                } else {
                    word.append(ch)
                }
                pos += 1
                continue
            }
            if !inWord {
                if ch.properties.isWhitespace { pos += 1; continue }
                inWord = true
            }
            if ch.properties.isWhitespace {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
                inWord = false
                blankOK = false
                pos += 1
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                blankOK = true
            }
            if ch == escapeToken {
                if pos + 1 == chars.count { pos += 1; continue }
                word.append(ch)
                pos += 1
                word.append(chars[pos])
                pos += 1
                continue
            }
            word.append(ch)
            pos += 1
        }
        if inWord || quote != nil, blankOK || !word.isEmpty { words.append(String(word)) }
        return words
    }

    /// ENV/LABEL: `KEY value…` (old form) or `KEY=value KEY2=value2`.
    func nameValues(_ rest: String, keyword: String) throws -> [String] {
        let parts = words(rest)
        guard let first = parts.first else { return [] }
        if !first.contains("=") {
            let split = whitespaceDelimited(rest, limit: 2)
            guard split.count == 2 else { throw InstructionError("\(keyword) must have two arguments") }
            return split
        }
        var result: [String] = []
        for part in parts {
            guard let eq = part.firstIndex(of: "=") else {
                throw InstructionError("Syntax error - can't find = in \"\(part)\". Must be of the form: name=value")
            }
            result.append(String(part[..<eq]))
            result.append(String(part[part.index(after: eq)...]))
        }
        return result
    }

    func whitespaceDelimited(_ rest: String, limit: Int = .max) -> [String] {
        guard !rest.isEmpty else { return [] }
        var result: [String] = []
        var current = ""
        var index = rest.startIndex
        while index < rest.endIndex {
            let ch = rest[index]
            if ch == " " || ch == "\t" || ch == "\u{0B}" || ch == "\u{0C}" || ch == "\r" {
                if result.count + 1 == limit {
                    current += rest[index...]
                    break
                }
                result.append(current)
                current = ""
                while index < rest.endIndex, [" ", "\t", "\u{0B}", "\u{0C}", "\r"].contains(rest[index]) {
                    index = rest.index(after: index)
                }
                if result.count + 1 == limit {
                    current = String(rest[index...])
                    break
                }
                continue
            }
            current.append(ch)
            index = rest.index(after: index)
        }
        result.append(current)
        return result
    }

    /// A JSON array of strings, or nil when the text is not a JSON array.
    func json(_ rest: String) throws -> [String]? {
        let trimmed = rest.drop(while: { $0.isWhitespace })
        guard trimmed.hasPrefix("["),
              let array = try? JSONDecoder().decode([JSONElement].self, from: Data(trimmed.utf8)) else { return nil }
        var strings: [String] = []
        for element in array {
            guard case .string(let string) = element else {
                throw InstructionError("when using JSON array syntax, arrays must be comprised of strings only")
            }
            strings.append(string)
        }
        return strings
    }

    func maybeJSON(_ rest: String) throws -> ([String], Bool) {
        if rest.isEmpty { return ([], false) }
        if let array = try json(rest) { return (array, true) }
        return ([rest], false)
    }

    func maybeJSONToList(_ rest: String) throws -> ([String], Bool) {
        if let array = try json(rest) { return (array, true) }
        return (whitespaceDelimited(rest), false)
    }

    /// HEALTHCHECK: a type word (`CMD`/`NONE`) then a maybe-JSON command.
    func healthConfig(_ rest: String) throws -> ([String], Bool) {
        guard let sep = rest.firstIndex(where: { $0.isWhitespace }) ?? (rest.isEmpty ? nil : rest.endIndex) else {
            return ([], false)
        }
        let type = String(rest[..<sep])
        let command = rest[sep...].drop(while: { $0.isWhitespace })
        let (arguments, isJSON) = try maybeJSON(String(command))
        return ([type] + arguments, isJSON)
    }
}

/// One element of a JSON-form argument list: a string, or anything else (refused).
private enum JSONElement: Decodable {
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            self = .string(string)
        } else {
            self = .other
        }
    }
}
