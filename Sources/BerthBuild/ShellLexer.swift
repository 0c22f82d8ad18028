import BerthSystem

/// Dockerfile word processing and variable expansion, a port of buildkit's
/// `frontend/dockerfile/shell/lex.go`: quotes, the escape token, `$VAR`,
/// `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`, `${VAR:?msg}`,
/// `${VAR?msg}`, `${VAR#pat}`, `${VAR##pat}`, `${VAR%pat}`, `${VAR%%pat}`,
/// `${VAR/pat/repl}` and `${VAR//pat/repl}`.
///
/// The builder never runs a shell: this is the only expansion Dockerfile
/// instructions get (RUN/CMD/ENTRYPOINT are left to the shell in the container).
public struct ShellLexer: Sendable {
    /// The escape token of the Dockerfile (`\` or the backtick).
    public var escapeToken: Unicode.Scalar
    /// Keep quote characters in the output (used to detect quoted heredoc words).
    public var rawQuotes = false
    /// Keep escape characters in the output.
    public var rawEscapes = false
    /// Treat quotes as ordinary characters (heredoc bodies are expanded this way).
    public var skipProcessQuotes = false
    /// Leave references to unset variables as written instead of expanding them to "".
    public var skipUnsetEnv = false

    public init(escapeToken: Unicode.Scalar = "\\") {
        self.escapeToken = escapeToken
    }

    /// The outcome of processing one word.
    public struct Result: Sendable, Equatable {
        /// The word after quote removal and expansion, spaces kept.
        public var word: String
        /// The word split on unquoted whitespace after expansion.
        public var words: [String]
        /// Variables that were referenced and set.
        public var matched: Set<String>
        /// Variables that were referenced but not set.
        public var unmatched: Set<String>
    }

    /// Expands `word` with `lookup` (nil means unset), as buildkit's ProcessWordWithMatches.
    public func process(_ word: String, lookup: @escaping (String) -> String?) throws -> Result {
        var state = LexState(lexer: self, input: Array(word.unicodeScalars), lookup: lookup)
        do {
            let (result, words) = try state.processStopOn(Unicode.Scalar?.none, rawEscapes: rawEscapes)
            return Result(word: result, words: words, matched: state.matched, unmatched: state.unmatched)
        } catch let error as LexError {
            throw BerthError.invalidArgument("failed to process \"\(word)\": \(error.message)")
        }
    }

    /// Expands one word with a dictionary environment.
    public func processWord(_ word: String, env: [String: String]) throws -> String {
        try process(word, lookup: { env[$0] }).word
    }

    /// Expands and splits into words with a dictionary environment.
    public func processWords(_ word: String, env: [String: String]) throws -> [String] {
        try process(word, lookup: { env[$0] }).words
    }
}

struct LexError: Error {
    let message: String
}

/// Accumulates the word-split view of the output (lex.go's wordsStruct).
private struct Words {
    var buffer = ""
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ ch: Unicode.Scalar) {
        if ch.properties.isWhitespace {
            if inWord && !buffer.isEmpty {
                words.append(buffer)
                buffer = ""
                inWord = false
            }
        } else {
            addRawChar(ch)
        }
    }

    mutating func addRawChar(_ ch: Unicode.Scalar) {
        buffer.unicodeScalars.append(ch)
        inWord = true
    }

    mutating func addString(_ s: String) {
        for ch in s.unicodeScalars { addChar(ch) }
    }

    mutating func addRawString(_ s: String) {
        buffer += s
        inWord = true
    }

    mutating func result() -> [String] {
        if !buffer.isEmpty {
            words.append(buffer)
            buffer = ""
            inWord = false
        }
        return words
    }
}

/// One pass over an input word; mirrors lex.go's shellWord.
struct LexState {
    let lexer: ShellLexer
    let input: [Unicode.Scalar]
    let lookup: (String) -> String?
    var position = 0
    var rawEscapes = false
    var matched: Set<String> = []
    var unmatched: Set<String> = []

    init(lexer: ShellLexer, input: [Unicode.Scalar], lookup: @escaping (String) -> String?) {
        self.lexer = lexer
        self.input = input
        self.lookup = lookup
        self.rawEscapes = lexer.rawEscapes
    }

    func peek() -> Unicode.Scalar? { position < input.count ? input[position] : nil }

    mutating func next() -> Unicode.Scalar? {
        guard position < input.count else { return nil }
        defer { position += 1 }
        return input[position]
    }

    mutating func getEnv(_ name: String) -> String? {
        if let value = lookup(name) {
            matched.insert(name)
            return value
        }
        unmatched.insert(name)
        return nil
    }

    mutating func processStopOn(_ stop: Unicode.Scalar?, rawEscapes raw: Bool) throws -> (String, [String]) {
        var result = ""
        var words = Words()
        let saved = rawEscapes
        rawEscapes = raw
        defer { rawEscapes = saved }

        while let ch = peek() {
            if let stop, ch == stop {
                _ = next()
                return (result, words.result())
            }
            if ch == "$" {
                let value = try processDollar()
                result += value
                words.addString(value)
            } else if ch == "'" && !lexer.skipProcessQuotes {
                let value = try processSingleQuote()
                result += value
                words.addRawString(value)
            } else if ch == "\"" && !lexer.skipProcessQuotes {
                let value = try processDoubleQuote()
                result += value
                words.addRawString(value)
            } else {
                var c = next()!
                if c == lexer.escapeToken {
                    if rawEscapes {
                        words.addRawChar(c)
                        result.unicodeScalars.append(c)
                    }
                    // The escape token escapes the next character; at the end it is dropped.
                    guard let escaped = next() else { break }
                    c = escaped
                    words.addRawChar(c)
                } else {
                    words.addChar(c)
                }
                result.unicodeScalars.append(c)
            }
        }
        if let stop {
            throw LexError(message: "unexpected end of statement while looking for matching \(stop)")
        }
        return (result, words.result())
    }

    /// Everything up to the next `'` is literal; a single quote cannot be escaped.
    mutating func processSingleQuote() throws -> String {
        var result = ""
        let open = next()!
        if lexer.rawQuotes { result.unicodeScalars.append(open) }
        while true {
            guard let ch = next() else {
                throw LexError(message: "unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" {
                if lexer.rawQuotes { result.unicodeScalars.append(ch) }
                return result
            }
            result.unicodeScalars.append(ch)
        }
    }

    /// Literal except `$`; the escape token escapes only `"`, `$` and itself.
    mutating func processDoubleQuote() throws -> String {
        var result = ""
        let open = next()!
        if lexer.rawQuotes { result.unicodeScalars.append(open) }
        while true {
            guard let ch = peek() else {
                throw LexError(message: "unexpected end of statement while looking for matching double-quote")
            }
            if ch == "\"" {
                _ = next()
                if lexer.rawQuotes { result.unicodeScalars.append(ch) }
                return result
            }
            if ch == "$" {
                result += try processDollar()
                continue
            }
            var c = next()!
            if c == lexer.escapeToken {
                if rawEscapes { result.unicodeScalars.append(c) }
                guard let following = peek() else { continue }
                if following == "\"" || following == "$" || following == lexer.escapeToken {
                    c = next()!
                }
            }
            result.unicodeScalars.append(c)
        }
    }

    /// A name: digits (positional), one special parameter, or letters, digits and `_`.
    mutating func processName() -> String {
        var name = ""
        while let ch = peek() {
            if name.isEmpty && ch.properties.numericType != nil && ("0"..."9").contains(ch) {
                while let d = peek(), ("0"..."9").contains(d) {
                    name.unicodeScalars.append(next()!)
                }
                return name
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(ch) {
                _ = next()
                return String(ch)
            }
            guard ch.properties.isAlphabetic || ("0"..."9").contains(ch) || ch == "_" else { break }
            name.unicodeScalars.append(next()!)
        }
        return name
    }
}
