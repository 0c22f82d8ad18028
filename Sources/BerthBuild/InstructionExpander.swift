import BerthSystem

/// Expands the fields of one instruction that docker expands (buildkit's
/// `Expand(expander)` methods in instructions/commands.go and the dispatchers
/// that call ProcessWords), recording which ARGs were used.
struct InstructionExpander {
    let lexer: ShellLexer
    let state: StageState
    let file: String
    let line: Int
    private(set) var usedArgs: [KeyValue] = []

    init(lexer: ShellLexer, state: StageState, file: String, line: Int) {
        self.lexer = lexer
        self.state = state
        self.file = file
        self.line = line
    }

    private mutating func record(_ result: ShellLexer.Result) {
        for name in result.matched.sorted() where state.isArgValue(name) {
            if !usedArgs.contains(where: { $0.key == name }), let value = state.lookup(name) {
                usedArgs.append(KeyValue(key: name, value: value))
            }
        }
    }

    mutating func word(_ text: String) throws -> String {
        let result = try StageExpander.expand(text, lexer: lexer, state: state, file: file, line: line)
        record(result)
        return result.word
    }

    mutating func words(_ text: String) throws -> [String] {
        let result = try StageExpander.expand(text, lexer: lexer, state: state, file: file, line: line)
        record(result)
        return result.words
    }

    mutating func optional(_ text: String?) throws -> String? {
        try text.map { try word($0) }
    }

    /// Heredoc bodies keep their quotes; only `$` and escapes are processed.
    mutating func heredocBody(_ doc: Heredoc) throws -> Heredoc {
        guard doc.expand else { return doc }
        var raw = lexer
        raw.skipProcessQuotes = true
        let result = try StageExpander.expand(doc.content, lexer: raw, state: state, file: file, line: line)
        record(result)
        var expanded = doc
        expanded.content = result.word
        return expanded
    }

    mutating func expand(_ kind: Instruction.Kind) throws -> Instruction.Kind {
        switch kind {
        case .env(let pairs):
            return .env(try pairs.map { KeyValue(key: try word($0.key), value: try word($0.value)) })
        case .label(let pairs):
            return .label(try pairs.map { KeyValue(key: try word($0.key), value: try word($0.value)) })
        case .arg(let declarations):
            return .arg(try declarations.map {
                ArgDeclaration(name: try word($0.name), defaultValue: try optional($0.defaultValue))
            })
        case .expose(let ports):
            var expanded: [String] = []
            for port in ports { expanded += try words(port) }
            return .expose(try ExposedPorts.normalize(expanded, file: file, line: line))
        case .volume(let volumes):
            let expanded = try volumes.map { try word($0) }
            if expanded.contains(where: { $0.trimmingWhitespace().isEmpty }) {
                throw BerthError.invalidArgument("\(file):\(line): VOLUME specified can not be an empty string")
            }
            return .volume(expanded)
        case .user(let user):
            return .user(try word(user))
        case .stopSignal(let signal):
            return .stopSignal(try word(signal))
        case .workdir(let path):
            let expanded = try word(path)
            // A relative WORKDIR is relative to the previous one (path.Join).
            let joined = expanded.hasPrefix("/") ? expanded : state.workdir + "/" + expanded
            return .workdir(ContextPath.cleanAbsolute(joined))
        case .copy(let copy):
            return .copy(try expandCopy(copy))
        case .add(let copy):
            return .add(try expandCopy(copy))
        default:
            return kind
        }
    }

    private mutating func expandCopy(_ copy: FileCopy) throws -> FileCopy {
        var result = copy
        result.sources = try copy.sources.map { try word($0) }
        result.destination = try word(copy.destination)
        result.inlineSources = try copy.inlineSources.map { try heredocBody($0) }
        result.from = try optional(copy.from)
        result.chown = try optional(copy.chown)
        result.chmod = try optional(copy.chmod)
        result.checksum = try optional(copy.checksum)
        result.excludes = try copy.excludes.map { try word($0) }
        return result
    }
}

/// EXPOSE values as the image config's ExposedPorts keys: `80` → `80/tcp`,
/// ranges expanded (docker's nat.ParsePortSpecs).
enum ExposedPorts {
    static func normalize(_ specs: [String], file: String, line: Int) throws -> [String] {
        var result: [String] = []
        for spec in specs {
            let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
            guard ["tcp", "udp", "sctp"].contains(proto) else {
                throw BerthError.invalidArgument("\(file):\(line): invalid proto: \(proto)")
            }
            let range = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let low = UInt16(range[0]), low > 0,
                  let high = range.count > 1 ? UInt16(range[1]) : low, high >= low else {
                throw BerthError.invalidArgument("\(file):\(line): invalid containerPort: \(parts[0])")
            }
            for port in low...high where !result.contains("\(port)/\(proto)") {
                result.append("\(port)/\(proto)")
            }
        }
        return result
    }
}
