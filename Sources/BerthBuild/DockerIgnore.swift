import BerthSystem

/// A .dockerignore: which context paths the client does not send.
/// Reading follows buildkit's dockerignore.ReadAll (comments, trimming,
/// `filepath.Clean`, leading `/` dropped); matching follows
/// patternmatcher.MatchesOrParentMatches: patterns apply in order, a `!`
/// pattern re-includes what earlier ones excluded, and a pattern matching a
/// parent directory matches everything below it.
public struct DockerIgnore: Sendable, Equatable {
    /// The patterns after cleaning, `!` kept, in file order.
    public let patterns: [String]
    private let compiled: [IgnorePattern]

    /// Nothing ignored.
    public static let empty = try! DockerIgnore(patterns: [])

    /// Parses .dockerignore text.
    public init(parsing text: String) throws {
        var patterns: [String] = []
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        for line in lines {
            if line.hasPrefix("#") { continue }
            var pattern = line.trimmingWhitespace()
            if pattern.isEmpty { continue }
            let invert = pattern.hasPrefix("!")
            if invert { pattern = pattern.dropFirst().trimmingWhitespace() }
            if !pattern.isEmpty {
                pattern = ContextPath.clean(pattern)
                if pattern.count > 1 && pattern.hasPrefix("/") { pattern.removeFirst() }
            }
            patterns.append(invert ? "!" + pattern : pattern)
        }
        try self.init(patterns: patterns)
    }

    /// Uses already-read patterns (`!` prefix for exceptions).
    public init(patterns: [String]) throws {
        var kept: [String] = []
        var compiled: [IgnorePattern] = []
        for raw in patterns {
            var pattern = raw.trimmingWhitespace()
            if pattern.isEmpty { continue }
            pattern = ContextPath.clean(pattern)
            var exclusion = false
            if pattern.hasPrefix("!") {
                guard pattern.count > 1 else {
                    throw BerthError.invalidArgument(".dockerignore: illegal exclusion pattern: \"!\"")
                }
                exclusion = true
                pattern.removeFirst()
            }
            do {
                _ = try PathGlob(pattern)
                compiled.append(try IgnorePattern(cleaned: pattern, exclusion: exclusion))
            } catch {
                throw BerthError.invalidArgument(".dockerignore: syntax error in pattern \"\(raw)\"")
            }
            kept.append(raw)
        }
        self.patterns = kept
        self.compiled = compiled
    }

    /// Whether any pattern is a `!` exception (then excluded directories must
    /// still be walked, since something inside may be re-included).
    public var hasExceptions: Bool { compiled.contains { $0.exclusion } }

    /// Whether the context path (relative, `/`-separated) is excluded.
    public func excludes(_ path: String) -> Bool {
        let file = ContextPath.clean(path)
        if file == "." { return false }  // the context root itself is never excluded
        let parent = ContextPath.parent(file)
        let parentParts = parent == "." ? [] : parent.split(separator: "/").map(String.init)
        var matched = false
        for pattern in compiled {
            // Only evaluate patterns that could change the result.
            if pattern.exclusion != matched { continue }
            var match = pattern.matches(file)
            if !match {
                for count in stride(from: 1, through: parentParts.count, by: 1) {
                    if pattern.matches(parentParts[..<count].joined(separator: "/")) {
                        match = true
                        break
                    }
                }
            }
            if match { matched = !pattern.exclusion }
        }
        return matched
    }

    /// The docker CLI always sends the Dockerfile and .dockerignore
    /// (build.TrimBuildFilesFromExcludes): add exceptions for those paths.
    public func keeping(_ paths: [String]) -> DockerIgnore {
        var patterns = self.patterns
        for path in paths where excludes(path) { patterns.append("!" + ContextPath.clean(path)) }
        return (try? DockerIgnore(patterns: patterns)) ?? self
    }
}
