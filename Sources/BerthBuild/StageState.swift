/// The build state a step runs in: image environment (base image + ENV),
/// ARGs in scope, working directory, user and shell.
public struct StageState: Sendable, Equatable {
    /// Environment in order, one entry per key (ENV replaces in place).
    public var env: [KeyValue]
    /// ARGs declared in this stage so far; `value` nil when declared without
    /// default and not given as a build arg.
    public var args: [ArgValue]
    /// Build args docker passes to RUN without declaration (HTTP_PROXY…):
    /// not usable in expansion and not part of the cache key.
    public var proxyArgs: [KeyValue]
    public var workdir: String
    public var user: String
    public var shell: [String]

    /// The state of a stage whose base image has this configuration.
    public init(env: [String] = [], workdir: String = "", user: String = "", shell: [String]? = nil) {
        self.env = []
        self.args = []
        self.proxyArgs = []
        self.workdir = workdir.isEmpty ? "/" : workdir
        self.user = user
        self.shell = shell ?? ["/bin/sh", "-c"]
        for entry in env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            setEnv(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// The value expansion sees: ENV always wins over an ARG of the same name.
    public func lookup(_ name: String) -> String? {
        if let entry = env.first(where: { $0.key == name }) { return entry.value }
        if let arg = args.last(where: { $0.name == name }) { return arg.value }
        return nil
    }

    /// Whether `name` resolves to an ARG rather than to ENV.
    func isArgValue(_ name: String) -> Bool {
        !env.contains(where: { $0.key == name }) && args.contains(where: { $0.name == name && $0.value != nil })
    }

    mutating func setEnv(_ key: String, _ value: String) {
        if let index = env.firstIndex(where: { $0.key == key }) {
            env[index].value = value
        } else {
            env.append(KeyValue(key: key, value: value))
        }
    }

    mutating func declareArg(_ name: String, _ value: String?) {
        args.removeAll { $0.name == name }
        args.append(ArgValue(name: name, value: value))
    }

    /// ARGs with a value that ENV does not shadow, as RUN sees them.
    public var effectiveArgs: [KeyValue] {
        args.compactMap { arg in
            guard let value = arg.value, !env.contains(where: { $0.key == arg.name }) else { return nil }
            return KeyValue(key: arg.name, value: value)
        }
    }

    /// The environment of a RUN step: ENV, then ARGs, then undeclared proxy args.
    public var runEnvironment: [String] {
        var names = Set(env.map(\.key))
        var result = env.map { "\($0.key)=\($0.value)" }
        for arg in effectiveArgs where names.insert(arg.key).inserted { result.append("\(arg.key)=\(arg.value)") }
        for arg in proxyArgs where names.insert(arg.key).inserted { result.append("\(arg.key)=\(arg.value)") }
        return result
    }

    /// The image config's `Env` after this state.
    public var imageEnv: [String] { env.map { "\($0.key)=\($0.value)" } }
}

/// A declared ARG and its resolved value.
public struct ArgValue: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}
