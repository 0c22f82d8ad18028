/// Turns raw nodes into typed instructions with docker's argument checks and
/// messages (buildkit's instructions/parse.go).
struct InstructionParser {
    let escapeToken: Unicode.Scalar

    func parse(_ node: RawNode) throws -> Instruction {
        let kind = try parseKind(node)
        return Instruction(kind: kind, line: node.startLine, endLine: node.endLine, original: node.original)
    }

    private func flags(_ node: RawNode, _ declared: [String: BuilderFlags.FlagType] = [:]) throws -> BuilderFlags {
        var flags = BuilderFlags(declared)
        try flags.parse(node.flags)
        return flags
    }

    private func parseKind(_ node: RawNode) throws -> Instruction.Kind {
        let args = node.arguments
        let keyword = node.command.uppercased()
        switch node.command.lowercased() {
        case "from":
            let flags = try flags(node, ["platform": .string])
            var stageName: String?
            if args.count == 3 && args[1].lowercased() == "as" {
                let name = args[2].lowercased()
                guard isValidStageName(name) else {
                    throw InstructionError("invalid name for build stage: \"\(args[2])\", name can't start with a number or contain symbols")
                }
                stageName = name
            } else if args.count != 1 {
                throw InstructionError("FROM requires either one or three arguments")
            }
            return .from(From(baseName: args[0], stageName: stageName, platform: flags.string("platform")))
        case "run":
            let flags = try flags(node, ["mount": .strings, "network": .string, "security": .string])
            if args.isEmpty && node.heredocs.isEmpty { throw InstructionError("RUN requires at least one argument") }
            return .run(Run(command: CommandForm(arguments: args, prependShell: !node.isJSON),
                            heredocs: node.heredocs, mounts: flags.strings("mount"),
                            network: flags.string("network"), security: flags.string("security")))
        case "cmd":
            _ = try flags(node)
            return .cmd(CommandForm(arguments: args, prependShell: !node.isJSON))
        case "entrypoint":
            _ = try flags(node)
            return .entrypoint(CommandForm(arguments: args, prependShell: !node.isJSON))
        case "env", "label":
            _ = try flags(node)
            guard !args.isEmpty else { throw InstructionError("\(keyword) requires at least one argument") }
            var pairs: [KeyValue] = []
            for i in stride(from: 0, to: args.count - 1, by: 2) {
                guard !args[i].isEmpty else { throw InstructionError("\(keyword) names can not be blank") }
                pairs.append(KeyValue(key: args[i], value: args[i + 1]))
            }
            return keyword == "ENV" ? .env(pairs) : .label(pairs)
        case "arg":
            _ = try flags(node)
            guard !args.isEmpty else { throw InstructionError("ARG requires at least one argument") }
            return .arg(try args.map { word in
                guard let eq = word.firstIndex(of: "=") else { return ArgDeclaration(name: word, defaultValue: nil) }
                guard eq != word.startIndex else { throw InstructionError("ARG names can not be blank") }
                return ArgDeclaration(name: String(word[..<eq]), defaultValue: String(word[word.index(after: eq)...]))
            })
        case "expose":
            _ = try flags(node)
            guard !args.isEmpty else { throw InstructionError("EXPOSE requires at least one argument") }
            return .expose(args)
        case "volume":
            _ = try flags(node)
            guard !args.isEmpty else { throw InstructionError("VOLUME requires at least one argument") }
            let volumes = args.map { $0.trimmingWhitespace() }
            if volumes.contains("") { throw InstructionError("VOLUME specified can not be an empty string") }
            return .volume(volumes)
        case "user", "workdir", "stopsignal", "maintainer":
            _ = try flags(node)
            guard args.count == 1 else { throw InstructionError("\(keyword) requires exactly one argument") }
            switch keyword {
            case "USER": return .user(args[0])
            case "WORKDIR": return .workdir(args[0])
            case "STOPSIGNAL": return .stopSignal(args[0])
            default: return .maintainer(args[0])
            }
        case "copy", "add":
            return try parseFileCopy(node, isAdd: keyword == "ADD")
        case "healthcheck":
            return .healthcheck(try parseHealthcheck(node))
        case "shell":
            _ = try flags(node)
            guard !args.isEmpty else { throw InstructionError("SHELL requires at least one argument") }
            guard node.isJSON else { throw InstructionError("SHELL requires the arguments to be in JSON form") }
            return .shell(args)
        case "onbuild":
            _ = try flags(node)
            guard let child = node.child.first else { throw InstructionError("ONBUILD requires at least one argument") }
            let trigger = child.command.uppercased()
            switch trigger {
            case "ONBUILD": throw InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "MAINTAINER", "FROM": throw InstructionError("\(trigger) isn't allowed as an ONBUILD trigger")
            default: break
            }
            var parsedChild = child
            parsedChild.startLine = node.startLine
            parsedChild.endLine = node.endLine
            var expression = node.original.trimmingWhitespace()
            if expression.uppercased().hasPrefix("ONBUILD") {
                expression = String(expression.dropFirst("ONBUILD".count)).trimmingWhitespace()
            }
            for doc in node.heredocs { expression += "\n" + doc.content + doc.name }
            return .onbuild(Onbuild(expression: expression, trigger: try parse(parsedChild)))
        default:
            throw InstructionError("unknown instruction: \(node.command)")
        }
    }

    private func parseFileCopy(_ node: RawNode, isAdd: Bool) throws -> Instruction.Kind {
        let keyword = isAdd ? "ADD" : "COPY"
        let declared: [String: BuilderFlags.FlagType] = isAdd
            ? ["chown": .string, "chmod": .string, "link": .bool, "checksum": .string,
               "keep-git-dir": .bool, "exclude": .strings]
            : ["from": .string, "chown": .string, "chmod": .string, "link": .bool,
               "parents": .bool, "exclude": .strings]
        let flags = try flags(node, declared)
        let args = node.arguments
        guard args.count >= 2 else {
            throw InstructionError("\(keyword) requires at least two arguments, but only one was provided. Destination could not be determined.")
        }
        let destination = args[args.count - 1]
        if try !node.isJSON && HeredocScanner.heredoc(fromWord: destination) != nil {
            throw InstructionError("\(keyword) cannot accept a heredoc as a destination")
        }
        var sources: [String] = []
        var inline: [Heredoc] = []
        for source in args.dropLast() {
            if !node.isJSON, let opener = try HeredocScanner.heredoc(fromWord: source) {
                var doc = node.heredocs.first(where: { $0.name == opener.name }) ?? opener
                doc.chomp = opener.chomp
                doc.expand = opener.expand
                inline.append(doc)
            } else {
                sources.append(source)
            }
        }
        let copy = FileCopy(sources: sources, inlineSources: inline, destination: destination,
                            from: flags.string("from"), chown: flags.string("chown"), chmod: flags.string("chmod"),
                            link: flags.bool("link"), parents: flags.bool("parents"), excludes: flags.strings("exclude"),
                            checksum: flags.string("checksum"), keepGitDir: flags.bool("keep-git-dir"))
        return isAdd ? .add(copy) : .copy(copy)
    }

    private func parseHealthcheck(_ node: RawNode) throws -> Healthcheck {
        guard let first = node.arguments.first else {
            throw InstructionError("HEALTHCHECK requires at least one argument")
        }
        let type = first.uppercased()
        let rest = Array(node.arguments.dropFirst())
        if type == "NONE" {
            guard rest.isEmpty else { throw InstructionError("HEALTHCHECK NONE takes no arguments") }
            _ = try flags(node)
            return Healthcheck(test: ["NONE"])
        }
        let flags = try flags(node, ["interval": .string, "timeout": .string, "start-period": .string,
                                     "start-interval": .string, "retries": .string])
        guard type == "CMD" else { throw InstructionError("Unknown type \"\(type)\" in HEALTHCHECK (try CMD)") }
        guard !rest.isEmpty else { throw InstructionError("Missing command after HEALTHCHECK CMD") }
        var check = Healthcheck(test: node.isJSON ? ["CMD"] + rest : ["CMD-SHELL"] + rest)
        func interval(_ name: String) throws -> Int64? {
            guard let text = flags.string(name), !text.isEmpty else { return nil }
            let nanoseconds = try GoDuration.parse(text)
            guard nanoseconds >= 1_000_000 else {
                throw InstructionError("Interval \"\(name)\" cannot be less than 1ms")
            }
            return nanoseconds
        }
        check.interval = try interval("interval")
        check.timeout = try interval("timeout")
        check.startPeriod = try interval("start-period")
        check.startInterval = try interval("start-interval")
        if let retries = flags.string("retries") {
            guard let value = Int(retries) else {
                throw InstructionError("strconv.ParseInt: parsing \"\(retries)\": invalid syntax")
            }
            guard value >= 1 else { throw InstructionError("--retries must be at least 1 (not \(value))") }
            check.retries = value
        }
        return check
    }

    /// `^[a-z][a-z0-9-_.]*$`
    private func isValidStageName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}

/// Go's time.ParseDuration ("1m30s", "1.5h", "300ms"), as HEALTHCHECK flags use it.
enum GoDuration {
    static func parse(_ text: String) throws -> Int64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6),
                                          ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var rest = Substring(text)
        var sign: Double = 1
        if rest.hasPrefix("-") || rest.hasPrefix("+") {
            if rest.hasPrefix("-") { sign = -1 }
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw InstructionError("time: invalid duration \"\(text)\"") }
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            guard !number.isEmpty, let value = Double(number) else {
                throw InstructionError("time: invalid duration \"\(text)\"")
            }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            guard let unit = units.first(where: { $0.0 == unitText }) else {
                if unitText.isEmpty { throw InstructionError("time: missing unit in duration \"\(text)\"") }
                throw InstructionError("time: unknown unit \"\(unitText)\" in duration \"\(text)\"")
            }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        return Int64(sign * total)
    }
}
