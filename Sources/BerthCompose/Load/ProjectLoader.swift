import BerthSystem

/// Loads a compose project as `docker compose` does: finds the files, reads
/// `.env`, interpolates each file, resolves `extends`, merges the files in
/// order, names the project, decodes and validates the model and applies
/// profiles.
public enum ProjectLoader {
    /// The names compose looks for, in order of preference.
    public static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]
    static let overrideFileNames = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"]

    public static func load(_ options: ProjectOptions) throws -> Project {
        let files = try findFiles(options)
        let projectDir = options.projectDirectory.map { absolute($0, options.workingDirectory) } ?? Paths.dirname(files[0])
        let environment = try loadEnvironment(options, projectDir: projectDir)
        let texts = try files.map { path -> (String, String) in
            guard let text = try FileAccess.read(path) else { throw BerthError.notFound("compose file \(path) not found") }
            return (path, text)
        }
        return try load(files: texts, projectDir: projectDir, environment: environment, options: options)
    }

    /// Loads from texts already read, for callers (and tests) that hold the
    /// files in memory; `files` are (path, text) in `-f` order. `extends`
    /// with `file:` and `env_file` still read from disk.
    public static func load(files: [(path: String, text: String)], projectDir: String, environment: [String: String], options: ProjectOptions) throws -> Project {
        let lookup: @Sendable (String) -> String? = { environment[$0] }
        let template = Template(lookup: lookup)
        var unset: [String] = []
        var root: YAMLNode?
        var versionOne: [String] = []
        for (path, text) in files {
            var parsed = try YAMLParser.parse(text, file: path)
            guard parsed.mapping != nil else {
                throw BerthError.invalidArgument("\(parsed.mark): a compose file must be a mapping, not \(parsed.kindName)")
            }
            if VersionOne.matches(parsed) {
                parsed = VersionOne.convert(parsed)
                versionOne.append(path)
            }
            var node = try template.interpolate(parsed, unset: &unset)
            node = try Extends.resolve(node, file: path, template: template, unset: &unset)
            root = root.map { ComposeMerge.merge($0, node) } ?? node
        }
        guard let root else { throw BerthError.invalidArgument("no compose file given") }

        let context = DecodeContext(workingDir: projectDir, lookup: lookup, readFile: { try FileAccess.read($0) })
        let name = try projectName(options: options, environment: environment, root: root, projectDir: projectDir)
        var project = try decode(root, name: name, projectDir: projectDir, configFiles: files.map(\.path), context: context)
        var seen = Set<String>()
        project.warnings = unset.filter { seen.insert($0).inserted }.map { "The \"\($0)\" variable is not set. Defaulting to a blank string." }
        project.warnings += versionOne.map { "\($0): the version 1 format (services at the top level) is deprecated: its services run on the default bridge, linked by links" }
        var profiles = options.profiles
        if let fromEnv = environment["COMPOSE_PROFILES"] {
            profiles += fromEnv.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        }
        try Profiles.apply(to: &project, profiles: profiles, targeted: options.services)
        try Validation.check(project)
        return project
    }

    // MARK: files

    /// `-f` files, else `COMPOSE_FILE`, else the first default name found in
    /// the working directory or a parent, plus its override file.
    static func findFiles(_ options: ProjectOptions) throws -> [String] {
        var files = options.files
        if files.isEmpty, let env = options.environment["COMPOSE_FILE"], !env.isEmpty {
            let separator: Character = options.environment["COMPOSE_PATH_SEPARATOR"]?.first ?? ":"
            files = env.split(separator: separator).map(String.init)
        }
        if !files.isEmpty { return files.map { absolute($0, options.workingDirectory) } }
        var dir = Paths.normalise(options.workingDirectory)
        while true {
            if let found = defaultFileNames.first(where: { FileAccess.exists(dir + "/" + $0) }) {
                var result = [Paths.normalise(dir + "/" + found)]
                if let override = overrideFileNames.first(where: { FileAccess.exists(dir + "/" + $0) }) {
                    result.append(Paths.normalise(dir + "/" + override))
                }
                return result
            }
            if dir == "/" { break }
            dir = Paths.dirname(dir)
        }
        throw BerthError.notFound("no configuration file provided: not found (looked for \(defaultFileNames.joined(separator: ", ")) in \(options.workingDirectory) and its parents)")
    }

    static func absolute(_ path: String, _ base: String) -> String {
        Paths.normalise(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// `.env` (or `--env-file`s) under the process environment, which wins.
    static func loadEnvironment(_ options: ProjectOptions, projectDir: String) throws -> [String: String] {
        var env: [String: String] = [:]
        let process = options.environment
        let files = options.envFiles.isEmpty ? [projectDir + "/.env"] : options.envFiles.map { absolute($0, options.workingDirectory) }
        for file in files {
            guard let text = try FileAccess.read(file) else {
                if options.envFiles.isEmpty { continue }
                throw BerthError.notFound("env file \(file) not found")
            }
            let known = env
            for (k, v) in try DotEnv.parse(text, file: file, lookup: { process[$0] ?? known[$0] }) { env[k] = v }
        }
        for (k, v) in process { env[k] = v }
        return env
    }

    // MARK: name

    /// `-p`, then COMPOSE_PROJECT_NAME, then `name:`, then the directory's
    /// name normalised (compose's NormalizeProjectName). Explicit names must
    /// already be valid.
    static func projectName(options: ProjectOptions, environment: [String: String], root: YAMLNode, projectDir: String) throws -> String {
        let explicit: (String, String)?
        if let p = options.projectName, !p.isEmpty { explicit = (p, "-p") }
        else if let e = environment["COMPOSE_PROJECT_NAME"], !e.isEmpty { explicit = (e, "COMPOSE_PROJECT_NAME") }
        else if let n = root["name"], !n.isNull { explicit = (try Value.string(n, "name"), "name") }
        else { explicit = nil }
        if let (name, source) = explicit {
            guard isValidProjectName(name) else {
                throw BerthError.invalidArgument("invalid project name \"\(name)\" (from \(source)): must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number")
            }
            return name
        }
        let normalised = normaliseProjectName(Paths.basename(projectDir))
        guard !normalised.isEmpty else {
            throw BerthError.invalidArgument("project name can't be empty: directory \(projectDir) gives none, use -p")
        }
        return normalised
    }

    public static func isValidProjectName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLowerAlnum(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "_" }
    }

    /// Lowercases, drops characters outside [a-z0-9_-], then leading ones that
    /// are not a letter or digit.
    public static func normaliseProjectName(_ name: String) -> String {
        var scalars = String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { isLowerAlnum($0) || $0 == "-" || $0 == "_" })
        while let first = scalars.first, !isLowerAlnum(first) { scalars.removeFirst() }
        return String(scalars)
    }

    static func isLowerAlnum(_ u: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(u) || ("0"..."9").contains(u)
    }

    // MARK: decode

    static let unsupportedTopLevel: Set<String> = ["include", "models"]

    static func decode(_ root: YAMLNode, name: String, projectDir: String, configFiles: [String], context: DecodeContext) throws -> Project {
        var project = Project(name: name, workingDir: projectDir, configFiles: configFiles)
        var f = try Fields(root, path: "")
        _ = f.take("version") // obsolete, ignored by compose
        _ = f.take("name")
        if let services = f.take("services") {
            let sf = try Fields(services, path: "services")
            for (key, node, _) in sf.pairs {
                guard !node.isNull else { throw valueError(services, "services.\(key)", "has neither an image nor a build context specified") }
                project.services[key] = try Service(node: node, path: "services.\(key)", context: context)
            }
        }
        if let n = f.take("networks") {
            for (key, node, _) in try Fields(n, path: "networks").pairs {
                project.networks[key] = try NetworkConfig(key: key, node: node, path: "networks.\(key)", project: name)
            }
        }
        if let n = f.take("volumes") {
            for (key, node, _) in try Fields(n, path: "volumes").pairs {
                project.volumes[key] = try VolumeConfig(key: key, node: node, path: "volumes.\(key)", project: name)
            }
        }
        if let n = f.take("secrets") {
            for (key, node, _) in try Fields(n, path: "secrets").pairs {
                project.secrets[key] = try FileObjectConfig(key: key, node: node, path: "secrets.\(key)", project: name, allowContent: false, context: context)
            }
        }
        if let n = f.take("configs") {
            for (key, node, _) in try Fields(n, path: "configs").pairs {
                project.configs[key] = try FileObjectConfig(key: key, node: node, path: "configs.\(key)", project: name, allowContent: true, context: context)
            }
        }
        try f.finish(unsupported: unsupportedTopLevel)
        return project
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
