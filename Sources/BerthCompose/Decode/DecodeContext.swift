import BerthSystem

/// What decoding needs from outside the YAML: the project directory for
/// relative paths, the environment for `KEY`-only entries and `~`, and a way
/// to read `env_file`s (nil when the file does not exist).
struct DecodeContext {
    var workingDir: String
    var lookup: @Sendable (String) -> String?
    var readFile: (String) throws -> String?

    /// Makes `path` absolute against the project directory; `~` is $HOME.
    func absolute(_ path: String) -> String {
        if path == "~" || path.hasPrefix("~/") {
            return Paths.normalise((lookup("HOME") ?? "/root") + path.dropFirst())
        }
        if path.hasPrefix("/") { return Paths.normalise(path) }
        return Paths.normalise(workingDir + "/" + path)
    }
}

/// Lexical path helpers (no file system access).
enum Paths {
    /// Collapses `//`, `.` and `..` like Go's filepath.Clean.
    static func normalise(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast(); continue }
                if absolute { continue }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func basename(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// True for build contexts compose passes through untouched.
    static func isRemote(_ context: String) -> Bool {
        context.contains("://") || context.hasPrefix("git@") || context.hasPrefix("github.com/")
    }
}
