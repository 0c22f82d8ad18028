import BerthAPIModel
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The subset of Go's text/template that docker's `--format` is used with:
/// `{{.Field}}` and `{{.A.B}}`, `{{json .}}` / `{{json .Field}}`,
/// `{{index .Labels "key"}}`, `{{upper …}}`, `{{lower …}}`, a leading
/// `table` (a header row and aligned columns), and `\t` / `\n` escapes.
/// `--format json` is `{{json .}}`. Anything else is rejected with the
/// part that was not understood.
struct Template {
    enum Piece { case text(String), action([String]) }
    let pieces: [Piece]
    /// `table …`: print a header and align the columns.
    let isTable: Bool

    init(_ source: String) throws {
        var text = source
        if text == "json" { text = "{{json .}}" }
        isTable = text.hasPrefix("table")
        if isTable { text = String(text.dropFirst(5)).trimmingLeadingSpaces }
        text = text.replacing("\\t", with: "\t").replacing("\\n", with: "\n")
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw BerthError.invalidArgument("template parsing error: unclosed action in \(source)")
            }
            var inner = String(rest[open.upperBound..<close.lowerBound])
            if inner.hasPrefix("-") { inner.removeFirst() }
            if inner.hasSuffix("-") { inner.removeLast() }
            let words = try Self.words(inner)
            guard let first = words.first else { throw BerthError.invalidArgument("template parsing error: empty action in \(source)") }
            guard first.hasPrefix(".") || Self.functions.contains(first) else {
                throw BerthError.invalidArgument("template parsing error: function \"\(first)\" not defined (supported: .Field, json, index, upper, lower, table)")
            }
            pieces.append(.action(words))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
    }

    static let functions: Set<String> = ["json", "index", "upper", "lower"]

    /// Splits an action into words, keeping "quoted strings" whole (quotes kept).
    private static func words(_ text: String) throws -> [String] {
        var words: [String] = [], current = "", quoted = false
        for character in text {
            if character == "\"" { quoted.toggle(); current.append(character); continue }
            if character == " " && !quoted {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        if quoted { throw BerthError.invalidArgument("template parsing error: unterminated quoted string in \(text)") }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The action names used, for a table's header (`.Names` → "Names").
    var fieldNames: [String] {
        pieces.compactMap {
            guard case .action(let words) = $0 else { return nil }
            let field = words.last { $0.hasPrefix(".") } ?? "."
            return field == "." ? "" : String(field.split(separator: ".").last ?? "")
        }
    }

    /// Renders one value.
    func render(_ value: JSONValue) throws -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .action(let words): out += try Self.text(evaluate(words, on: value))
            }
        }
        return out
    }

    private func evaluate(_ words: [String], on root: JSONValue) throws -> JSONValue {
        func argument(_ word: String) throws -> JSONValue {
            if word.hasPrefix("\"") { return .string(String(word.dropFirst().dropLast())) }
            guard word.hasPrefix(".") else { throw BerthError.invalidArgument("template: cannot use \(word) as a value") }
            var value = root
            for key in word.split(separator: ".") {
                guard case .object(let object) = value else {
                    throw BerthError.invalidArgument("template: can't evaluate field \(key) in \(word)")
                }
                value = object[String(key)] ?? .null
            }
            return value
        }
        switch words[0] {
        case "json":
            let value = try words.count > 1 ? argument(words[1]) : root
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return .string(String(decoding: try encoder.encode(value), as: UTF8.self))
        case "index":
            guard words.count == 3 else { throw BerthError.invalidArgument("template: index takes a value and a key") }
            let container = try argument(words[1]), key = try argument(words[2])
            if case .object(let object) = container, case .string(let name) = key { return object[name] ?? .null }
            if case .array(let list) = container, case .number(let n) = key, Int(n) < list.count { return list[Int(n)] }
            return .null
        case "upper": return .string(Self.text(try argument(words[1])).uppercased())
        case "lower": return .string(Self.text(try argument(words[1])).lowercased())
        default: return try argument(words[0])
        }
    }

    /// Go's printing of a value: strings bare, whole numbers without a fraction, nil as `<no value>`.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.rounded() == n && abs(n) < 9e15 ? String(Int64(n)) : String(n)
        case .string(let s): return s
        case .array(let list): return "[" + list.map(text).joined(separator: " ") + "]"
        case .object(let object): return "map[" + object.keys.sorted().map { "\($0):\(text(object[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// Prints rows through the template: a table (header from `headers`, docker's
    /// column names by field) or one line per row.
    func print(_ rows: [JSONValue], headers: [String: String]) throws {
        let lines = try rows.map { try render($0) }
        guard isTable else { lines.forEach { Swift.print($0) }; return }
        let header = fieldNames.map { headers[$0] ?? $0.uppercased() }
        printTable([header] + lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) })
    }
}

/// A table as docker's tabwriter prints it (columns 3 spaces apart). On a
/// terminal narrower than the table, the widest columns are cut with "…"
/// until it fits (never below 3 characters), so rows stay one line each.
func printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    let columns = rows.map(\.count).max() ?? first.count
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    if stdoutIsTerminal, let available = terminalColumns() {
        while widths.reduce(0, +) + 3 * (columns - 1) > available {
            guard let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 3 else { break }
            widths[widest] -= 1
        }
    }
    for row in rows {
        var line = ""
        for (i, raw) in row.enumerated() {
            let cell = raw.count > widths[i] ? String(raw.prefix(widths[i] - 1)) + "…" : raw
            line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] + 3 - cell.count)
        }
        print(line)
    }
}

/// The terminal's width in columns, when stdout is one.
func terminalColumns() -> Int? {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

extension StringProtocol {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
