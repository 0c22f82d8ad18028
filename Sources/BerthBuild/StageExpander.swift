import BerthSystem

/// One instruction of a stage after variable expansion, with the state it runs
/// in: what an executor walks, step by step.
public struct ExpandedStep: Sendable, Equatable {
    /// The instruction with ARG/ENV references replaced where docker expands
    /// them (ADD COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR, ARG
    /// defaults, COPY/ADD flags). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK and
    /// ONBUILD are left to the shell or to the child build.
    public var instruction: Instruction
    /// ENV, ARGs, WORKDIR, USER and SHELL before this step takes effect.
    public var state: StageState
    /// Build-arg values that shaped this step: every ARG in scope for RUN (they
    /// are its environment), the ARGs referenced for other instructions.
    public var usedArgs: [KeyValue]
    /// Canonical text of the expanded instruction, for the cache key.
    public var cacheText: String
}

/// A stage expanded against its base image's configuration.
public struct ExpandedStage: Sendable, Equatable {
    public var steps: [ExpandedStep]
    /// The state after the last step: the config of the stage's image.
    public var finalState: StageState
}

/// Expands a stage's instructions with docker's ARG scoping: meta ARGs only
/// reach FROM unless redeclared; build args override ARG defaults; ENV wins
/// over ARG of the same name.
public struct StageExpander: Sendable {
    public let dockerfile: Dockerfile
    public let options: BuildOptions
    /// The ARGs before the first FROM, resolved (build args, then defaults).
    public let metaArgs: [ArgValue]

    public init(dockerfile: Dockerfile, options: BuildOptions) throws {
        self.dockerfile = dockerfile
        self.options = options
        var scope = StageState()
        for (name, value) in options.automaticArgs.sorted(by: { $0.key < $1.key }) { scope.declareArg(name, value) }
        var resolved: [ArgValue] = []
        let lexer = ShellLexer(escapeToken: dockerfile.escapeToken)
        for instruction in dockerfile.metaArgs {
            guard case .arg(let declarations) = instruction.kind else { continue }
            let snapshot = scope
            for declaration in declarations {
                var value = options.buildArgs[declaration.name]
                if value == nil, let def = declaration.defaultValue {
                    value = try Self.expand(def, lexer: lexer, state: snapshot, file: dockerfile.filename,
                                            line: instruction.line).word
                }
                scope.declareArg(declaration.name, value)
                resolved.removeAll { $0.name == declaration.name }
                resolved.append(ArgValue(name: declaration.name, value: value))
            }
        }
        self.metaArgs = resolved
    }

    /// The scope FROM lines are expanded in: automatic platform args and meta ARGs.
    public var metaScope: StageState {
        var scope = StageState()
        for (name, value) in options.automaticArgs.sorted(by: { $0.key < $1.key }) { scope.declareArg(name, value) }
        for arg in metaArgs { scope.declareArg(arg.name, arg.value) }
        return scope
    }

    /// The stage's base name and platform with meta ARGs expanded.
    public func expandedBase(of stage: Stage) throws -> (name: String, platform: String?) {
        let lexer = ShellLexer(escapeToken: dockerfile.escapeToken)
        let scope = metaScope
        let name = try Self.expand(stage.baseName, lexer: lexer, state: scope, file: dockerfile.filename,
                                   line: stage.line).word
        guard !name.isEmpty else {
            throw BerthError.invalidArgument("\(dockerfile.filename):\(stage.line): base name (\(stage.baseName)) should not be blank")
        }
        let platform = try stage.platform.map {
            try Self.expand($0, lexer: lexer, state: scope, file: dockerfile.filename, line: stage.line).word
        }
        return (name, platform)
    }

    /// Expands every instruction of `stage`, starting from `base` (the base
    /// image's Env/WorkingDir/User/Shell, or the final state of a parent stage).
    public func expand(_ stage: Stage, base: StageState) throws -> ExpandedStage {
        var state = base
        state.args = []
        state.proxyArgs = options.buildArgs.filter { BuildOptions.proxyArgs.contains($0.key) }
            .sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
        var steps: [ExpandedStep] = []
        for instruction in stage.instructions {
            var expander = InstructionExpander(lexer: ShellLexer(escapeToken: dockerfile.escapeToken), state: state,
                                               file: dockerfile.filename, line: instruction.line)
            let kind = try expander.expand(instruction.kind)
            var expanded = instruction
            expanded.kind = kind
            var used = expander.usedArgs
            if case .run = kind { used = state.effectiveArgs }
            steps.append(ExpandedStep(instruction: expanded, state: state, usedArgs: used,
                                      cacheText: CacheText.describe(kind)))
            try apply(kind, to: &state)
        }
        return ExpandedStage(steps: steps, finalState: state)
    }

    /// The effect of an expanded instruction on the state of later steps.
    private func apply(_ kind: Instruction.Kind, to state: inout StageState) throws {
        switch kind {
        case .env(let pairs):
            for pair in pairs { state.setEnv(pair.key, pair.value) }
        case .arg(let declarations):
            for declaration in declarations {
                let global = metaArgs.last(where: { $0.name == declaration.name })?.value
                    ?? options.automaticArgs[declaration.name]
                let value = options.buildArgs[declaration.name] ?? declaration.defaultValue ?? global
                state.declareArg(declaration.name, value)
            }
        case .workdir(let path):
            state.workdir = path
        case .user(let user):
            state.user = user
        case .shell(let shell):
            state.shell = shell
        default:
            break
        }
    }

    static func expand(_ word: String, lexer: ShellLexer, state: StageState, file: String,
                       line: Int) throws -> ShellLexer.Result {
        do {
            return try lexer.process(word, lookup: { state.lookup($0) })
        } catch let error as BerthError {
            throw BerthError.invalidArgument("\(file):\(line): \(error.message)")
        }
    }
}
