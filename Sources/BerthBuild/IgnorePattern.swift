/// One .dockerignore pattern with moby/patternmatcher's semantics: `*` and
/// `?` never cross `/`, `**` crosses any number of directories, `[...]`
/// classes, `\` escapes; exact, prefix (`dir/**`) and suffix (`**/name`)
/// patterns take the same shortcuts patternmatcher takes.
struct IgnorePattern: Sendable, Equatable {
    let cleaned: String
    let exclusion: Bool
    /// Path components of the pattern (for parent-directory matching).
    let depth: Int
    private let matchType: MatchType
    private let tokens: [Token]

    private enum MatchType: Equatable { case exact, prefix, suffix, tokens }

    private enum Token: Equatable {
        case literal(Unicode.Scalar)
        case notSlash          // ?
        case notSlashRun       // *
        case directories       // (.*/)?
        case anything          // .*
        case set([ClosedRange<UInt32>], negated: Bool)
    }

    init(cleaned: String, exclusion: Bool) throws {
        self.cleaned = cleaned
        self.exclusion = exclusion
        self.depth = cleaned.split(separator: "/", omittingEmptySubsequences: false).count
        var type = MatchType.exact
        var tokens: [Token] = []
        let chars = Array(cleaned.unicodeScalars)
        var i = 0
        var iteration = 0
        while i < chars.count {
            let ch = chars[i]
            i += 1
            defer { iteration += 1 }
            switch ch {
            case "*" where i < chars.count && chars[i] == "*":
                i += 1
                if i < chars.count && chars[i] == "/" { i += 1 }  // "**/" is "**"
                if i == chars.count {
                    if type == .exact { type = .prefix } else { tokens.append(.anything); type = .tokens }
                } else {
                    tokens.append(.directories)
                    type = .tokens
                }
                if iteration == 0 { type = .suffix }
            case "*":
                tokens.append(.notSlashRun)
                type = .tokens
            case "?":
                tokens.append(.notSlash)
                type = .tokens
            case "\\":
                if i < chars.count {
                    tokens.append(.literal(chars[i]))
                    i += 1
                    type = .tokens
                } else {
                    tokens.append(.literal("\\"))
                }
            case "[":
                tokens.append(try Self.parseSet(chars, &i))
                type = .tokens
            default:
                tokens.append(.literal(ch))
            }
        }
        self.matchType = type
        self.tokens = tokens
    }

    /// A regular-expression class as the pattern spells it: `[^a-z\]]`.
    private static func parseSet(_ chars: [Unicode.Scalar], _ i: inout Int) throws -> Token {
        var negated = false
        if i < chars.count && chars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while i < chars.count {
            var ch = chars[i]
            i += 1
            if ch == "]" && !first { return .set(ranges, negated: negated) }
            first = false
            if ch == "\\" && i < chars.count {
                ch = chars[i]
                i += 1
            }
            var hi = ch
            if i + 1 < chars.count && chars[i] == "-" && chars[i + 1] != "]" {
                hi = chars[i + 1] == "\\" && i + 2 < chars.count ? chars[i + 2] : chars[i + 1]
                i += chars[i + 1] == "\\" ? 3 : 2
            }
            guard ch.value <= hi.value else { throw PathGlob.BadPattern() }
            ranges.append(ch.value...hi.value)
        }
        throw PathGlob.BadPattern()
    }

    func matches(_ path: String) -> Bool {
        switch matchType {
        case .exact:
            return path == cleaned
        case .prefix:
            return path.hasPrefix(String(cleaned.dropLast(2)))
        case .suffix:
            let suffix = String(cleaned.dropFirst(2))
            if path.hasSuffix(suffix) { return true }
            return suffix.hasPrefix("/") && path == String(suffix.dropFirst())  // "**/foo" matches "foo"
        case .tokens:
            var failures = Set<Int>()
            return Self.match(tokens[...], Array(path.unicodeScalars)[...], &failures)
        }
    }

    private static func match(_ tokens: ArraySlice<Token>, _ text: ArraySlice<Unicode.Scalar>,
                              _ failures: inout Set<Int>) -> Bool {
        let key = tokens.startIndex &* 1_000_003 &+ text.startIndex
        if failures.contains(key) { return false }
        let result: Bool
        if let token = tokens.first {
            let rest = tokens.dropFirst()
            switch token {
            case .literal(let c):
                result = text.first == c && match(rest, text.dropFirst(), &failures)
            case .notSlash:
                result = text.first.map { $0 != "/" } == true && match(rest, text.dropFirst(), &failures)
            case .set(let ranges, let negated):
                if let c = text.first {
                    let inSet = ranges.contains { $0.contains(c.value) }
                    result = inSet != negated && match(rest, text.dropFirst(), &failures)
                } else {
                    result = false
                }
            case .notSlashRun:
                var candidate = text
                var found = match(rest, candidate, &failures)
                while !found, let c = candidate.first, c != "/" {
                    candidate = candidate.dropFirst()
                    found = match(rest, candidate, &failures)
                }
                result = found
            case .directories:
                // Empty, or anything ending in "/".
                var found = match(rest, text, &failures)
                var index = text.startIndex
                while !found && index < text.endIndex {
                    if text[index] == "/" { found = match(rest, text[(index + 1)...], &failures) }
                    index += 1
                }
                result = found
            case .anything:
                var found = false
                var index = text.startIndex
                while !found && index <= text.endIndex {
                    found = match(rest, text[index...], &failures)
                    index += 1
                }
                result = found
            }
        } else {
            result = text.isEmpty
        }
        if !result { failures.insert(key) }
        return result
    }
}
