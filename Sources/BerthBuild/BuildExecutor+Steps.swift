import BerthOCI
import BerthSystem

extension BuildExecutor {
    /// Runs `body`; an error without a Dockerfile position gets the step's line.
    func located<T>(_ line: Int, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BerthError {
            let prefix = "\(dockerfile.filename):"
            if error.message.hasPrefix(prefix) { throw error }
            throw BerthError(error.code, "\(prefix)\(line): \(error.message)", cause: error.cause)
        }
    }

    /// A base image's ONBUILD triggers as instructions at the FROM line.
    static func triggers(of config: ContainerConfig, at line: Int, filename: String) throws -> [Instruction] {
        guard let triggers = config.onBuild, !triggers.isEmpty else { return [] }
        let parsed = try Dockerfile.parse("FROM scratch\n" + triggers.joined(separator: "\n"), filename: filename)
        return parsed.stages[0].instructions.map { trigger in
            var instruction = trigger
            instruction.line = line
            instruction.endLine = line
            return instruction
        }
    }

    /// The effect of a config-only instruction on the image's runtime config
    /// (moby's dispatchers); `after` is the stage state once it has run.
    static func apply(_ kind: Instruction.Kind, after: StageState, to config: inout ContainerConfig, cmdSet: inout Bool) {
        func command(_ form: CommandForm) -> [String] {
            form.prependShell ? after.shell + form.arguments : form.arguments
        }
        switch kind {
        case .env:
            config.env = after.imageEnv
        case .label(let pairs):
            var labels = config.labels ?? [:]
            for pair in pairs { labels[pair.key] = pair.value }
            config.labels = labels
        case .cmd(let form):
            config.cmd = command(form)
            cmdSet = true
        case .entrypoint(let form):
            config.entrypoint = command(form)
            // An ENTRYPOINT drops the base image's CMD unless this stage set one.
            if !cmdSet { config.cmd = nil }
        case .expose(let ports):
            var exposed = config.exposedPorts ?? [:]
            for port in ports { exposed[port] = EmptyObject() }
            config.exposedPorts = exposed
        case .volume(let volumes):
            var set = config.volumes ?? [:]
            for volume in volumes { set[volume] = EmptyObject() }
            config.volumes = set
        case .user(let user):
            config.user = user
        case .stopSignal(let signal):
            config.stopSignal = signal
        case .healthcheck(let check):
            let health = ContainerConfig.Healthcheck(test: check.test, interval: check.interval, timeout: check.timeout,
                                                     startPeriod: check.startPeriod, startInterval: check.startInterval,
                                                     retries: check.retries)
            config.healthcheck = health
        case .shell(let shell):
            config.shell = shell
        case .onbuild(let onbuild):
            config.onBuild = (config.onBuild ?? []) + [onbuild.expression]
        case .arg, .maintainer, .from, .run, .copy, .add, .workdir:
            break
        }
    }

    /// The history text of a config-only step, after expansion.
    static func nopText(_ kind: Instruction.Kind) -> String {
        func pairs(_ list: [KeyValue]) -> String { list.map { "\($0.key)=\(quoted($0.value))" }.joined(separator: " ") }
        switch kind {
        case .env(let list): return " ENV " + pairs(list)
        case .label(let list): return " LABEL " + pairs(list)
        case .arg(let args): return " ARG " + args.map { arg in arg.defaultValue.map { "\(arg.name)=\($0)" } ?? arg.name }.joined(separator: " ")
        case .cmd(let form): return " CMD " + list(form)
        case .entrypoint(let form): return " ENTRYPOINT " + list(form)
        case .expose(let ports): return " EXPOSE " + ports.joined(separator: " ")
        case .volume(let volumes): return " VOLUME [" + volumes.joined(separator: " ") + "]"
        case .user(let user): return " USER " + user
        case .stopSignal(let signal): return " STOPSIGNAL " + signal
        case .shell(let shell): return " SHELL [" + shell.map(goQuoted).joined(separator: " ") + "]"
        case .onbuild(let onbuild): return " ONBUILD " + onbuild.expression
        case .maintainer(let name): return " MAINTAINER " + name
        default: return " " + CacheText.describe(kind)
        }
    }

    /// `["a" "b"]`, as docker's history shows a command (shell form: with `/bin/sh -c`).
    static func list(_ form: CommandForm) -> String {
        let words = form.prependShell ? ["/bin/sh", "-c"] + form.arguments : form.arguments
        return "[" + words.map(goQuoted).joined(separator: " ") + "]"
    }

    /// Go's %q for plain text: double quotes, with `"` and `\` escaped.
    static func goQuoted(_ value: String) -> String {
        var result = "\""
        for character in value {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }

    /// docker's `created_by` of a RUN: `|N A=1 B=2 /bin/sh -c cmd` with the build args it saw.
    static func runHistory(_ arguments: [String], args: [KeyValue]) -> String {
        let command = arguments.joined(separator: " ")
        guard !args.isEmpty else { return command }
        let sorted = args.sorted { $0.key < $1.key }
        return "|\(sorted.count) " + sorted.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + " " + command
    }

    /// A value in double quotes when it has blanks or quotes in it.
    static func quoted(_ value: String) -> String {
        let special: Set<Character> = [" ", "\t", "\"", "'", "\\"]
        if !value.isEmpty, !value.contains(where: special.contains) { return value }
        var result = "\""
        for character in value {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }

    /// `x` → `x:latest`, as "Successfully tagged" shows a name.
    static func displayTag(_ name: String) -> String {
        let last = name.split(separator: "/").last ?? Substring(name)
        return last.contains(":") || name.contains("@") ? name : name + ":latest"
    }
}

/// "Step 3/7 : RUN …" numbering.
struct StepCounter {
    let total: Int
    var current = 0

    mutating func next(_ text: String) -> String {
        current += 1
        return "Step \(current)/\(total) : \(text)\n"
    }
}
