/// A parsed Dockerfile: parser directives, the ARGs before the first FROM
/// (docker's "meta args") and the build stages with their instructions.
/// Values are kept as written (quotes included); `StageExpander` expands them.
public struct Dockerfile: Sendable, Equatable {
    /// The escape token from `# escape=` (backslash by default).
    public var escapeToken: Unicode.Scalar
    /// The `# syntax=` directive, recorded but not acted on.
    public var syntax: String?
    /// ARG instructions before the first FROM: usable in FROM lines only,
    /// unless redeclared inside a stage.
    public var metaArgs: [Instruction]
    /// The stages, in file order.
    public var stages: [Stage]
    /// Non-fatal findings, e.g. empty continuation lines (as docker warns).
    public var warnings: [String]
    /// The name used in error messages ("Dockerfile:7: ...").
    public var filename: String

    /// Parses Dockerfile text. Errors name the file and line.
    public static func parse(_ text: String, filename: String = "Dockerfile") throws -> Dockerfile {
        var parser = DockerfileParser(filename: filename)
        return try parser.parse(text)
    }

    /// The stage called `name` (case-insensitive, as docker's stage names are).
    public func stage(named name: String) -> Stage? {
        let lowered = name.lowercased()
        return stages.first { $0.name == lowered }
    }
}

/// One build stage: `FROM base [AS name]` and the instructions up to the next FROM.
public struct Stage: Sendable, Equatable {
    /// Position in the Dockerfile, from 0 (usable as `COPY --from=0`).
    public var index: Int
    /// The lowercased `AS` name, if any.
    public var name: String?
    /// The base as written; may reference ARGs, a stage name, or `scratch`.
    public var baseName: String
    /// `--platform` as written.
    public var platform: String?
    /// Line of the FROM instruction.
    public var line: Int
    /// The FROM line itself.
    public var original: String
    public var instructions: [Instruction]

    /// The name docker shows for the stage: its `AS` name or its index.
    public var displayName: String { name ?? String(index) }
}

/// One Dockerfile instruction with where it came from.
public struct Instruction: Sendable, Equatable {
    public var kind: Kind
    /// First line of the instruction (1-based).
    public var line: Int
    /// Last line, including continuation and heredoc lines.
    public var endLine: Int
    /// The logical line after joining continuations, as docker records it.
    public var original: String

    public init(kind: Kind, line: Int, endLine: Int, original: String) {
        self.kind = kind
        self.line = line
        self.endLine = endLine
        self.original = original
    }

    /// The typed instructions docker knows.
    public indirect enum Kind: Sendable, Equatable {
        case from(From)
        case run(Run)
        case cmd(CommandForm)
        case entrypoint(CommandForm)
        case env([KeyValue])
        case arg([ArgDeclaration])
        case label([KeyValue])
        case expose([String])
        case volume([String])
        case user(String)
        case workdir(String)
        case copy(FileCopy)
        case add(FileCopy)
        case stopSignal(String)
        case healthcheck(Healthcheck)
        case shell([String])
        case onbuild(Onbuild)
        /// Deprecated author field; kept for the image's `Author`, not a label.
        case maintainer(String)
    }

    /// The instruction keyword in upper case (`RUN`, `COPY`…).
    public var name: String {
        switch kind {
        case .from: "FROM"
        case .run: "RUN"
        case .cmd: "CMD"
        case .entrypoint: "ENTRYPOINT"
        case .env: "ENV"
        case .arg: "ARG"
        case .label: "LABEL"
        case .expose: "EXPOSE"
        case .volume: "VOLUME"
        case .user: "USER"
        case .workdir: "WORKDIR"
        case .copy: "COPY"
        case .add: "ADD"
        case .stopSignal: "STOPSIGNAL"
        case .healthcheck: "HEALTHCHECK"
        case .shell: "SHELL"
        case .onbuild: "ONBUILD"
        case .maintainer: "MAINTAINER"
        }
    }
}

/// `FROM [--platform=p] base [AS name]`.
public struct From: Sendable, Equatable {
    public var baseName: String
    public var stageName: String?
    public var platform: String?
}

/// A command in exec form (`["a","b"]`) or shell form (run through SHELL).
public struct CommandForm: Sendable, Equatable {
    public var arguments: [String]
    /// True for the shell form: the executor prepends the stage's SHELL.
    public var prependShell: Bool

    public init(arguments: [String], prependShell: Bool) {
        self.arguments = arguments
        self.prependShell = prependShell
    }
}

/// `RUN [--mount=…] [--network=…] [--security=…] command`, with heredocs.
public struct Run: Sendable, Equatable {
    public var command: CommandForm
    public var heredocs: [Heredoc]
    /// `--mount` values as written (type=cache,target=… etc.).
    public var mounts: [String]
    public var network: String?
    public var security: String?
}

/// A here-document attached to RUN, COPY or ADD.
public struct Heredoc: Sendable, Equatable {
    public var name: String
    public var fileDescriptor: Int
    /// False when the delimiter was quoted (`<<"EOF"`): no expansion.
    public var expand: Bool
    /// `<<-`: leading tabs are removed from the body and the terminator.
    public var chomp: Bool
    public var content: String

    /// The body with leading tabs removed when `chomp` is set.
    public var effectiveContent: String {
        guard chomp else { return content }
        return content.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.drop(while: { $0 == "\t" }) }
            .joined(separator: "\n")
    }
}

/// COPY or ADD: sources (paths, globs, URLs), inline heredoc files, destination and flags.
public struct FileCopy: Sendable, Equatable {
    public var sources: [String]
    /// Heredoc sources (`COPY <<EOF /dest`), in order.
    public var inlineSources: [Heredoc]
    public var destination: String
    /// `--from` (COPY only): a stage name, stage index or image.
    public var from: String?
    public var chown: String?
    public var chmod: String?
    public var link: Bool
    /// `--parents` (COPY only).
    public var parents: Bool
    public var excludes: [String]
    /// `--checksum` (ADD only).
    public var checksum: String?
    /// `--keep-git-dir` (ADD only).
    public var keepGitDir: Bool
}

/// `KEY=value` from ENV or LABEL, value as written (quotes kept until expansion).
public struct KeyValue: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One name of an ARG line, with its default if given.
public struct ArgDeclaration: Sendable, Equatable {
    public var name: String
    public var defaultValue: String?

    public init(name: String, defaultValue: String?) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// HEALTHCHECK NONE or CMD with its options (durations in nanoseconds, as the Engine API).
public struct Healthcheck: Sendable, Equatable {
    /// `["NONE"]`, `["CMD", args…]` or `["CMD-SHELL", command]`.
    public var test: [String]
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?
}

/// ONBUILD: the trigger expression stored in the image, and its parse.
public struct Onbuild: Sendable, Equatable {
    public var expression: String
    public var trigger: Instruction
}

extension Run {
    /// What the executor runs for this RUN, with heredocs applied as buildkit
    /// does: `RUN <<EOF` alone runs the body through the shell (or, when the
    /// body starts with `#!`, as a script file); other heredocs are appended to
    /// the shell command so the shell feeds them.
    public enum Program: Sendable, Equatable {
        /// Arguments, to be prefixed with SHELL when `prependShell` is set.
        case command(CommandForm)
        /// A script with a shebang: write it to a file and execute that file.
        case script(String)
    }

    public var program: Program {
        guard !heredocs.isEmpty, command.prependShell, command.arguments.count == 1 else { return .command(command) }
        let line = command.arguments[0]
        if let opener = try? HeredocScanner.heredoc(fromWord: line.trimmingWhitespace()),
           let doc = heredocs.first(where: { $0.name == opener.name }) {
            let body = doc.effectiveContent
            if body.hasPrefix("#!") { return .script(body) }
            return .command(CommandForm(arguments: [body], prependShell: true))
        }
        var full = line
        for doc in heredocs { full += "\n" + doc.content + doc.name }
        return .command(CommandForm(arguments: [full], prependShell: true))
    }
}
