/// Go's `path/filepath.Match` on `/`-separated paths, as docker's COPY/ADD
/// use it for wildcard sources: `*` (no `/`), `?` (one non-`/`), classes
/// `[a-z]` / `[^a-z]`, `\` escapes. A malformed pattern is an error.
public struct PathGlob: Sendable, Equatable {
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    public struct BadPattern: Error, Equatable {}

    public init(_ pattern: String) throws {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
        _ = try matches(".")  // validates the syntax like filepath.Match(p, ".") does
    }

    /// Whether the pattern uses `*`, `?` or `[` (docker's containsWildcards).
    public static func containsWildcards(_ path: String) -> Bool {
        var escaped = false
        for ch in path.unicodeScalars {
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "*" || ch == "?" || ch == "[" { return true }
        }
        return false
    }

    public func matches(_ name: String) throws -> Bool {
        var pattern = scalars[...]
        var name = Array(name.unicodeScalars)[...]
        outer: while !pattern.isEmpty {
            let (star, chunk, rest) = Self.scanChunk(pattern)
            pattern = rest
            if star && chunk.isEmpty {
                return !name.contains("/")  // a trailing * matches the rest unless it has a /
            }
            let (t, ok) = try Self.matchChunk(chunk, name)
            if ok && (t.isEmpty || !pattern.isEmpty) {
                name = t
                continue
            }
            if star {
                var i = name.startIndex
                while i < name.endIndex && name[i] != "/" {
                    let (t, ok) = try Self.matchChunk(chunk, name[(i + 1)...])
                    if ok {
                        if pattern.isEmpty && !t.isEmpty {
                            i += 1
                            continue
                        }
                        name = t
                        continue outer
                    }
                    i += 1
                }
            }
            // Report syntax errors in the rest of the pattern before failing.
            while !pattern.isEmpty {
                let (_, chunk, rest) = Self.scanChunk(pattern)
                pattern = rest
                _ = try Self.matchChunk(chunk, [][...])
            }
            return false
        }
        return name.isEmpty
    }

    private typealias Chars = ArraySlice<Unicode.Scalar>

    private static func scanChunk(_ input: Chars) -> (Bool, Chars, Chars) {
        var pattern = input
        var star = false
        while pattern.first == "*" {
            pattern = pattern.dropFirst()
            star = true
        }
        var inRange = false
        var i = pattern.startIndex
        scan: while i < pattern.endIndex {
            switch pattern[i] {
            case "\\":
                if i + 1 < pattern.endIndex { i += 1 }
            case "[": inRange = true
            case "]": inRange = false
            case "*": if !inRange { break scan }
            default: break
            }
            i += 1
        }
        return (star, pattern[pattern.startIndex..<i], pattern[i...])
    }

    private static func matchChunk(_ input: Chars, _ text: Chars) throws -> (Chars, Bool) {
        var chunk = input
        var s = text
        var failed = false
        while let c = chunk.first {
            if !failed && s.isEmpty { failed = true }
            switch c {
            case "[":
                var r: Unicode.Scalar = "\0"
                if !failed {
                    r = s.first!
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
                var negated = false
                if chunk.first == "^" {
                    negated = true
                    chunk = chunk.dropFirst()
                }
                var match = false
                var ranges = 0
                while true {
                    if chunk.first == "]" && ranges > 0 {
                        chunk = chunk.dropFirst()
                        break
                    }
                    let lo = try escaped(&chunk)
                    var hi = lo
                    if chunk.first == "-" {
                        chunk = chunk.dropFirst()
                        hi = try escaped(&chunk)
                    }
                    if lo.value <= r.value && r.value <= hi.value { match = true }
                    ranges += 1
                }
                if match == negated { failed = true }
            case "?":
                if !failed {
                    if s.first == "/" { failed = true }
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
            default:
                var literal = c
                if c == "\\" {
                    chunk = chunk.dropFirst()
                    guard let next = chunk.first else { throw BadPattern() }
                    literal = next
                }
                if !failed {
                    if s.first != literal { failed = true }
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
            }
        }
        return failed ? ([][...], false) : (s, true)
    }

    /// One possibly escaped character of a class (filepath's getEsc).
    private static func escaped(_ chunk: inout Chars) throws -> Unicode.Scalar {
        guard let first = chunk.first, first != "-", first != "]" else { throw BadPattern() }
        if first == "\\" {
            chunk = chunk.dropFirst()
            guard !chunk.isEmpty else { throw BadPattern() }
        }
        let r = chunk.first!
        chunk = chunk.dropFirst()
        guard !chunk.isEmpty else { throw BadPattern() }
        return r
    }
}
