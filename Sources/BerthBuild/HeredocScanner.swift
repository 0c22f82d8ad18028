/// Finds heredoc openers (`<<EOF`, `<<-EOF`, `3<<"EOF"`) in an instruction
/// line, as buildkit's parser.heredocsFromLine and ParseHeredoc do.
enum HeredocScanner {
    /// Every heredoc word of the line, in order (several per line are allowed).
    static func heredocs(inLine line: String) throws -> [Heredoc] {
        var lexer = ShellLexer(escapeToken: "\\")
        lexer.rawQuotes = true
        lexer.rawEscapes = true
        lexer.skipUnsetEnv = true
        let words = (try? lexer.process(line, lookup: { _ in nil }).words) ?? []
        return try words.compactMap { try heredoc(fromWord: $0) }
    }

    /// The heredoc a single word opens (`^(\d*)<<(-?)([^<]*)$`), or nil.
    static func heredoc(fromWord word: String) throws -> Heredoc? {
        var rest = Substring(word)
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        rest = rest.dropFirst(digits.count)
        guard rest.hasPrefix("<<") else { return nil }
        rest = rest.dropFirst(2)
        let chomp = rest.hasPrefix("-")
        if chomp { rest = rest.dropFirst() }
        guard !rest.isEmpty, !rest.contains("<") else { return nil }

        // Lex the delimiter with and without quote removal: if quotes were
        // removed, part of it was quoted and the body is not expanded.
        var lexer = ShellLexer(escapeToken: "\\")
        lexer.skipUnsetEnv = true
        let plain: [String]
        let raw: [String]
        do {
            plain = try lexer.process(String(rest), lookup: { _ in nil }).words
            lexer.rawQuotes = true
            raw = try lexer.process(String(rest), lookup: { _ in nil }).words
        } catch let error as CustomStringConvertible {
            throw InstructionError(error.description)
        }
        guard plain.count == 1, raw.count == 1 else { return nil }
        let quotes: (String) -> Int = { $0.filter { $0 == "'" || $0 == "\"" }.count }
        return Heredoc(name: plain[0], fileDescriptor: Int(digits) ?? 0,
                       expand: quotes(plain[0]) == quotes(raw[0]), chomp: chomp, content: "")
    }
}
