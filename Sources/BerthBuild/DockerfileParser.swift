import BerthSystem

/// An instruction after line joining, before typing: buildkit's parser.Node.
struct RawNode {
    /// The keyword as written (case kept for error messages).
    var command: String
    var flags: [String]
    var arguments: [String]
    var isJSON: Bool
    var original: String
    var heredocs: [Heredoc] = []
    var startLine: Int = 0
    var endLine: Int = 0
    /// The wrapped instruction of ONBUILD.
    var child: [RawNode] = []
}

/// The line-level Dockerfile parser (buildkit's parser/parser.go): parser
/// directives at the top, continuation lines with the escape token, comments
/// and empty lines inside continuations, and heredoc bodies.
struct DockerfileParser {
    let filename: String
    var escapeToken: Unicode.Scalar = "\\"
    var syntax: String?
    private var directivesDone = false
    private var seenDirectives: Set<String> = []

    init(filename: String) {
        self.filename = filename
    }

    func error(_ line: Int, _ message: String) -> BerthError {
        .invalidArgument("\(filename):\(line): \(message)")
    }

    mutating func parse(_ text: String) throws -> Dockerfile {
        let nodes = try parseNodes(text)
        var warnings = nodes.warnings
        var metaArgs: [Instruction] = []
        var stages: [Stage] = []
        for node in nodes.nodes {
            let instruction: Instruction
            do {
                instruction = try InstructionParser(escapeToken: escapeToken).parse(node)
            } catch let failure as InstructionError {
                throw error(failure.line ?? node.startLine, failure.message)
            }
            if case .from(let from) = instruction.kind {
                stages.append(Stage(index: stages.count, name: from.stageName, baseName: from.baseName,
                                    platform: from.platform, line: node.startLine,
                                    original: node.original.trimmingWhitespace(), instructions: []))
                continue
            }
            if stages.isEmpty {
                guard case .arg = instruction.kind else {
                    throw error(node.startLine, "no build stage in current context")
                }
                metaArgs.append(instruction)
                continue
            }
            stages[stages.count - 1].instructions.append(instruction)
        }
        if stages.isEmpty {
            warnings.append("no FROM instruction")
            throw error(nodes.lastLine, "no build stage in current context")
        }
        return Dockerfile(escapeToken: escapeToken, syntax: syntax, metaArgs: metaArgs, stages: stages,
                          warnings: warnings, filename: filename)
    }

    /// Splits the text into logical instructions with their line ranges.
    mutating func parseNodes(_ text: String) throws -> (nodes: [RawNode], warnings: [String], lastLine: Int) {
        // "\r\n" is one Character in Swift: split on both line ends.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        // A final newline does not start another line (bufio.Scanner semantics).
        if lines.last == "" { lines.removeLast() }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }

        var nodes: [RawNode] = []
        var warnings: [String] = []
        var index = 0
        var currentLine = 0
        while index < lines.count {
            let raw = lines[index]
            index += 1
            let processed = try processLine(raw, stripLeadingWhitespace: true, line: currentLine + 1)
            currentLine += 1
            let startLine = currentLine
            var (line, isEnd) = trimContinuation(processed)
            if isEnd && line.isEmpty { continue }

            var sawEmptyContinuation = false
            while !isEnd && index < lines.count {
                let next = lines[index]
                index += 1
                let processedNext = try processLine(next, stripLeadingWhitespace: false, line: currentLine + 1)
                currentLine += 1
                if isComment(next) { continue }
                if processedNext.allSatisfy({ $0.isWhitespace }) {
                    sawEmptyContinuation = true
                    continue
                }
                let (continuation, end) = trimContinuation(processedNext)
                line += continuation
                isEnd = end
            }
            if sawEmptyContinuation {
                warnings.append("\(filename):\(startLine): empty continuation line found in: \(line)")
            }

            var node: RawNode
            do {
                node = try LineSplitter(escapeToken: escapeToken).node(from: line)
            } catch let failure as InstructionError {
                throw error(startLine, failure.message)
            }
            if node.canContainHeredoc {
                let docs: [Heredoc]
                do {
                    docs = try HeredocScanner.heredocs(inLine: line)
                } catch let failure as InstructionError {
                    throw error(startLine, failure.message)
                }
                for var doc in docs {
                    var terminated = false
                    while index < lines.count {
                        let body = lines[index]
                        index += 1
                        currentLine += 1
                        var candidate = Substring(body.hasSuffix("\r") ? String(body.dropLast()) : body)
                        if doc.chomp { candidate = candidate.drop(while: { $0 == "\t" }) }
                        if candidate == doc.name {
                            terminated = true
                            break
                        }
                        doc.content += body + "\n"
                    }
                    guard terminated else { throw error(startLine, "unterminated heredoc") }
                    node.attachHeredoc(doc)
                }
            }
            node.startLine = startLine
            node.endLine = currentLine
            nodes.append(node)
        }
        guard !nodes.isEmpty else { throw error(currentLine, "file with no instructions") }
        return (nodes, warnings, currentLine)
    }

    /// Trims the line end, optionally leading whitespace, drops a whole-line
    /// comment, and looks for parser directives while they are allowed.
    private mutating func processLine(_ raw: String, stripLeadingWhitespace: Bool, line: Int) throws -> String {
        var token = Substring(raw)
        while let last = token.last, last == "\r" || last == "\n" { token = token.dropLast() }
        if stripLeadingWhitespace { token = token.drop(while: { $0.isWhitespace }) }
        try possibleDirective(String(token), line: line)
        if token.hasPrefix("#") { return "" }
        return String(token)
    }

    /// `# escape=` and `# syntax=` (and `# check=`, ignored) count only before
    /// any instruction, comment or empty line; each may appear once.
    private mutating func possibleDirective(_ line: String, line number: Int) throws {
        guard !directivesDone else { return }
        guard line.hasPrefix("#") else {
            directivesDone = true
            return
        }
        let body = line.dropFirst().trimmingWhitespace()
        guard let eq = body.firstIndex(of: "=") else {
            directivesDone = true
            return
        }
        let key = body[..<eq].trimmingWhitespace().lowercased()
        let value = body[body.index(after: eq)...].trimmingWhitespace()
        let validKey = key.first.map { $0.isLetter && $0.isASCII } == true
            && key.allSatisfy { ($0.isLetter || $0.isNumber) && $0.isASCII }
        guard validKey, !value.isEmpty, ["escape", "syntax", "check"].contains(key) else {
            directivesDone = true
            return
        }
        guard seenDirectives.insert(key).inserted else {
            throw error(number, "only one \(key) parser directive can be used")
        }
        switch key {
        case "escape":
            guard value == "\\" || value == "`" else {
                throw error(number, "invalid escape token '\(value)' does not match ` or \\")
            }
            escapeToken = value.unicodeScalars.first!
        case "syntax":
            syntax = value
        default:
            break
        }
    }

    private func isComment(_ raw: String) -> Bool {
        raw.drop(while: { $0.isWhitespace }).hasPrefix("#")
    }

    /// A line ending in the escape token (and optional blanks) continues on the
    /// next line, unless the escape token is itself escaped.
    private func trimContinuation(_ line: String) -> (String, Bool) {
        var scalars = Array(line.unicodeScalars)
        var end = scalars.count
        while end > 0, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        guard end > 0, scalars[end - 1] == escapeToken else { return (line, true) }
        if end >= 2 && scalars[end - 2] == escapeToken { return (line, true) }
        scalars.removeSubrange((end - 1)...)
        return (String(String.UnicodeScalarView(scalars)), false)
    }
}

extension RawNode {
    /// RUN, COPY and ADD (also under ONBUILD) in shell form can carry heredocs.
    var canContainHeredoc: Bool {
        let lowered = command.lowercased()
        if lowered == "onbuild", let inner = child.first { return inner.canContainHeredoc }
        return ["run", "copy", "add"].contains(lowered) && !isJSON
    }

    mutating func attachHeredoc(_ doc: Heredoc) {
        if command.lowercased() == "onbuild", !child.isEmpty {
            child[0].heredocs.append(doc)
        }
        heredocs.append(doc)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
