/// Slash-separated path helpers with Go's path.Clean semantics (docker's
/// paths inside images and build contexts are always `/`-separated here).
enum ContextPath {
    /// path.Clean: removes `.`, resolves `..` lexically, collapses slashes.
    static func clean(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Clean as an absolute path.
    static func cleanAbsolute(_ path: String) -> String {
        clean("/" + path)
    }

    static func join(_ base: String, _ name: String) -> String {
        if base.isEmpty || base == "." { return clean(name) }
        return clean(base + "/" + name)
    }

    static func base(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        let name = String(trimmed[trimmed.index(after: slash)...])
        return name.isEmpty ? "/" : name
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
