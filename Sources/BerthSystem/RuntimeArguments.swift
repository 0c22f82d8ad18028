#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A table-driven parser of runc's command line (urfave/cli's rules), for
/// `berth runtime`: it starts once per container operation, and parsing a
/// table costs nothing next to ArgumentParser's reflection over property
/// wrappers. Each verb declares its options and positionals as data
/// (`CommandSpec`); `CommandSpec.parse` turns argv into `ParsedArguments`
/// and `CommandSpec.usage` renders `--help` from the same table.
///
/// Accepted forms: `--name value`, `--name=value`, `-n value`, `-n=value`
/// and the single-dash long form `-name value` (Go's flag package, which
/// runc's urfave/cli uses; containerd and dockerd pass double dashes).
/// Options may come before or between positionals. A `.rest` positional
/// takes every word after the positionals before it, options included
/// (exec's command after the container id); with none before it, it starts
/// at the first word that is not an option (`berth runtime`'s verb). After
/// `--` every word is a positional. Every value of a repeated option is kept.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        /// The long name without dashes ("bundle").
        public var name: String
        /// The one-letter name without its dash ("b").
        public var short: Character?
        /// The value's placeholder in the usage ("PATH"); nil for a flag.
        public var value: String?
        /// Shown in the usage and returned by `ParsedArguments.value` when the option is not given.
        public var defaultValue: String?
        public var help: String

        /// An option that takes a value.
        public init(_ name: String, short: Character? = nil, value: String, default defaultValue: String? = nil, help: String) {
            self.name = name
            self.short = short
            self.value = value
            self.defaultValue = defaultValue
            self.help = help
        }

        /// A flag (no value; `--name=true` and `--name=false` are accepted as Go's flag package does).
        public init(flag name: String, short: Character? = nil, help: String) {
            self.name = name
            self.short = short
            self.help = help
        }

        var takesValue: Bool { value != nil }
    }

    public struct Positional: Sendable {
        public enum Kind: Sendable {
            case required
            /// May be left out; `defaultValue` then stands in for it.
            case optional(defaultValue: String?)
            /// Everything after the positionals before it, options included.
            case rest
        }
        /// The placeholder in the usage ("CONTAINER_ID").
        public var name: String
        /// What it is, for "missing container id".
        public var what: String
        public var kind: Kind

        public init(_ name: String, _ what: String, _ kind: Kind = .required) {
            self.name = name
            self.what = what
            self.kind = kind
        }
    }

    /// The words before the options in the usage ("berth runtime create").
    public var command: String
    public var abstract: String
    public var options: [Option]
    public var positionals: [Positional]
    /// Subcommands listed in the usage (a parent command's verbs).
    public var commands: [(name: String, abstract: String)]
    public var discussion: String?

    public init(_ command: String, abstract: String, options: [Option] = [], positionals: [Positional] = [],
                commands: [(name: String, abstract: String)] = [], discussion: String? = nil) {
        self.command = command
        self.abstract = abstract
        self.options = options
        self.positionals = positionals
        self.commands = commands
        self.discussion = discussion
    }

    /// What parsing asked for: run with these arguments, or print the usage (`-h`, `--help`).
    /// The last word of `command` ("create").
    public var name: String { command.split(separator: " ").last.map(String.init) ?? command }

    public enum Outcome {
        case run(ParsedArguments)
        case help
    }

    public func parse(_ arguments: [String]) throws(ArgumentError) -> Outcome {
        var parsed = ParsedArguments(spec: self)
        let fixed = positionals.filter { if case .rest = $0.kind { return false } else { return true } }
        let hasRest = fixed.count < positionals.count
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let arg = arguments[i]
            i += 1
            // exec's command starts right after the container id, whatever it looks like.
            if hasRest && !fixed.isEmpty && parsed.positionals.count == fixed.count {
                parsed.rest = Array(arguments[(i - 1)...])
                break
            }
            if arg == "--" {
                let tail = arguments[i...]
                i = arguments.endIndex
                for word in tail {
                    if parsed.positionals.count < fixed.count { parsed.positionals.append(word) }
                    else if hasRest { parsed.rest.append(word) }
                    else { throw ArgumentError("unexpected argument \(word.debugDescription)") }
                }
                break
            }
            guard arg.hasPrefix("-"), arg != "-" else {
                if hasRest && parsed.positionals.count == fixed.count {  // no fixed positionals: the verb and its arguments
                    parsed.rest = Array(arguments[(i - 1)...])
                    break
                }
                guard parsed.positionals.count < fixed.count else {
                    throw ArgumentError("unexpected argument \(arg.debugDescription)")
                }
                parsed.positionals.append(arg)
                continue
            }
            let body = arg.hasPrefix("--") ? arg.dropFirst(2) : arg.dropFirst()
            let name: Substring
            let inline: Substring?
            if let eq = body.firstIndex(of: "=") {
                (name, inline) = (body[..<eq], body[body.index(after: eq)...])
            } else {
                (name, inline) = (body, nil)
            }
            if name == "h" || name == "help" { return .help }
            guard let option = option(named: name) else { throw ArgumentError("unknown option \(arg.split(separator: "=", maxSplits: 1)[0])") }
            let shown = "--" + option.name
            if option.takesValue {
                let value: String
                if let inline {
                    value = String(inline)
                } else {
                    guard i < arguments.endIndex else { throw ArgumentError("\(shown) needs a value") }
                    value = arguments[i]
                    i += 1
                }
                parsed.values[option.name, default: []].append(value)
            } else {
                switch inline {
                case nil, "true": parsed.flags.insert(option.name)
                case "false": parsed.flags.remove(option.name)
                case let other?: throw ArgumentError("\(shown) is a flag and takes no value, not \(String(other).debugDescription)")
                }
            }
        }
        if parsed.positionals.count < fixed.count {
            for p in fixed[parsed.positionals.count...] {
                switch p.kind {
                case .required: throw ArgumentError("missing \(p.what)")
                case .optional(let d): parsed.positionals.append(d ?? "")
                case .rest: break
                }
            }
        }
        return .run(parsed)
    }

    private func option(named name: Substring) -> Option? {
        if name.count == 1, let c = name.first, let o = options.first(where: { $0.short == c }) { return o }
        return options.first { $0.name == name }
    }

    /// The `--help` text: usage line, abstract, options (each with its help and default), commands.
    public func usage() -> String {
        var line = "USAGE: \(command)"
        if !options.isEmpty { line += " [OPTIONS]" }
        if !commands.isEmpty { line += " COMMAND [OPTIONS] [ARGS]" }
        for p in positionals where commands.isEmpty {
            switch p.kind {
            case .required: line += " \(p.name)"
            case .optional: line += " [\(p.name)]"
            case .rest: line += " [\(p.name) ...]"
            }
        }
        var out = [line, "", abstract]
        if let discussion { out += ["", discussion] }
        let entries = options.map { o -> (String, String) in
            var left = (o.short.map { "-\($0), " } ?? "    ") + "--" + o.name
            if let v = o.value { left += " " + v }
            var help = o.help
            if let d = o.defaultValue { help += help.isEmpty ? "(default: \(d))" : " (default: \(d))" }
            return (left, help)
        } + [("-h, --help", "Show this help.")]
        out += ["", "OPTIONS:"] + Self.columns(entries)
        if !commands.isEmpty {
            out += ["", "COMMANDS:"] + Self.columns(commands.map { ($0.name, $0.abstract) })
            out += ["", "See '\(command) COMMAND --help' for a command's options."]
        }
        return out.joined(separator: "\n")
    }

    private static func columns(_ rows: [(String, String)]) -> [String] {
        let width = min(rows.map(\.0.count).max() ?? 0, 30)
        return rows.map { left, right in
            guard !right.isEmpty else { return "  " + left }
            if left.count > width { return "  \(left)\n  \(String(repeating: " ", count: width))  \(right)" }
            return "  " + left + String(repeating: " ", count: width - left.count) + "  " + right
        }
    }
}

/// The result of `CommandSpec.parse`. Options are looked up by their long name.
public struct ParsedArguments: Sendable {
    let spec: CommandSpec
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    /// The positionals before a `.rest` one, in order; a left-out optional one is its default ("" without one).
    public internal(set) var positionals: [String] = []
    /// The `.rest` positional's words.
    public internal(set) var rest: [String] = []

    init(spec: CommandSpec) { self.spec = spec }

    public func flag(_ name: String) -> Bool {
        precondition(declared(name)?.takesValue == false, "\(name) is not a flag of \(spec.command)")
        return flags.contains(name)
    }

    /// The last value given, or the option's default.
    public func value(_ name: String) -> String? {
        let option = declared(name)
        precondition(option?.takesValue == true, "\(name) is not an option with a value of \(spec.command)")
        return values[name]?.last ?? option?.defaultValue
    }

    /// The value of an option that has a default.
    public func string(_ name: String) -> String {
        precondition(declared(name)?.defaultValue != nil, "\(name) has no default in \(spec.command)")
        return value(name)!
    }

    /// Every value given, in order (a repeatable option: `--env A --env B`).
    public func values(_ name: String) -> [String] {
        precondition(declared(name)?.takesValue == true, "\(name) is not an option with a value of \(spec.command)")
        return values[name] ?? []
    }

    /// The value as an integer of type `T`; an error names the option and the value.
    public func number<T: FixedWidthInteger>(_ name: String, as _: T.Type = T.self) throws(ArgumentError) -> T? {
        guard let text = value(name) else { return nil }
        return try Self.integer(text, T.self, option: name)
    }

    /// Every value as an integer of type `T`.
    public func numbers<T: FixedWidthInteger>(_ name: String, as _: T.Type = T.self) throws(ArgumentError) -> [T] {
        var result: [T] = []
        for text in values(name) { result.append(try Self.integer(text, T.self, option: name)) }
        return result
    }

    static func integer<T: FixedWidthInteger>(_ text: String, _: T.Type, option: String) throws(ArgumentError) -> T {
        if let n = T(text) { return n }
        let want = T.isSigned ? "an integer from \(T.min) to \(T.max)" : "a whole number from 0 to \(T.max)"
        throw ArgumentError("--\(option): invalid value \(text.debugDescription), want \(want)")
    }

    private func declared(_ name: String) -> CommandSpec.Option? { spec.options.first { $0.name == name } }
}

/// A bad command line: what was wrong, in words ("unknown option --frob").
public struct ArgumentError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
