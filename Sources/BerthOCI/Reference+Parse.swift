import BerthSystem

/// The grammar of distribution/reference (regexp.go), matched by hand so each
/// error can name the part that is wrong:
///
///     reference  := name [ ":" tag ] [ "@" digest ]
///     name       := [domain "/"] path-component ["/" path-component]*
///     domain     := host [":" port]          host := domain-name | "[" ipv6 "]"
///     path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [_.] | "__" | "-"+
///     tag        := [\w][\w.-]{0,127}
enum ReferenceParser {
    static func parseNormalized(_ input: String) throws -> Reference {
        func invalid(_ why: String) -> BerthError {
            .invalidArgument("invalid reference format \"\(input)\": \(why)")
        }
        if input.isEmpty { throw invalid("repository name must have at least one component") }
        // A bare 64-hex string is an image ID, never a repository name.
        if input.utf8.count == 64, input.utf8.allSatisfy(isLowerHex) {
            throw BerthError.invalidArgument("invalid repository name (\(input)), cannot specify 64-byte hexadecimal strings")
        }

        // splitDockerDomain: the first component is a domain only when it
        // looks like one (has '.' or ':', is localhost, or has uppercase).
        var domain = Reference.defaultDomain
        var remainder = Substring(input)
        if let slash = input.firstIndex(of: "/") {
            let first = input[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                domain = String(first)
                remainder = input[input.index(after: slash)...]
            }
        }
        if domain == Reference.legacyDefaultDomain { domain = Reference.defaultDomain }
        if domain == Reference.defaultDomain, !remainder.contains("/") {
            remainder = Substring(Reference.officialRepoPrefix) + remainder
        }

        // Split off "@digest", then ":tag" (a ':' after the last '/').
        var rest = remainder
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
            do { digest = try Digest(parsing: digestText) } catch {
                throw invalid("invalid digest \"\(digestText)\": \(error)")
            }
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let path = String(rest)

        if path.lowercased() != path {
            throw BerthError.invalidArgument("invalid reference format: repository name (\(path)) must be lowercase")
        }
        if path.isEmpty { throw invalid("repository name must have at least one component") }
        try validateDomain(domain, invalid: invalid)
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard isValidPathComponent(component) else {
                if component.isEmpty { throw invalid("empty path component in \"\(path)\"") }
                throw invalid("path component \"\(component)\" may only hold a-z, 0-9 and the separators . _ __ - between them")
            }
        }
        if let tag, !isValidTag(tag) {
            throw invalid("tag \"\(tag)\" must be 1 to 128 of [A-Za-z0-9_.-] not starting with . or -")
        }
        let name = domain + "/" + path
        if name.utf8.count > Reference.nameTotalLengthMax {
            throw BerthError.invalidArgument("invalid reference format: repository name (\(name)) must not be more than \(Reference.nameTotalLengthMax) characters")
        }
        return Reference(domain: domain, path: path, tag: tag, digest: digest)
    }

    static func validateDomain(_ domain: String, invalid: (String) -> BerthError) throws {
        var host = Substring(domain)
        var port: Substring?
        if host.hasPrefix("[") {
            // IPv6 literal: hex digits and colons only (no zone, no dotted tail).
            guard let close = host.firstIndex(of: "]") else { throw invalid("registry host \"\(domain)\" has an unclosed [") }
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty, inner.utf8.allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") }) else {
                throw invalid("registry host \"\(domain)\" is not a valid IPv6 address in brackets")
            }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("registry host \"\(domain)\" has text after ]") }
                port = after.dropFirst()
            }
            host = ""
        } else if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if let port, port.isEmpty || !port.utf8.allSatisfy(isDigit) {
            throw invalid("registry port \"\(port)\" in \"\(domain)\" must be a number")
        }
        if host.isEmpty { return }
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            let ok = !bytes.isEmpty && isAlnumAnyCase(bytes.first!) && isAlnumAnyCase(bytes.last!)
                && bytes.allSatisfy { isAlnumAnyCase($0) || $0 == UInt8(ascii: "-") }
            if !ok {
                throw invalid("registry host \"\(domain)\": \"\(label)\" is not a valid host name label")
            }
        }
    }

    /// `[a-z0-9]+` runs joined by `.`, `_`, `__` or one or more `-`.
    static func isValidPathComponent(_ component: Substring) -> Bool {
        let b = Array(component.utf8)
        guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < b.count {
            if isLowerAlnum(b[i]) { i += 1; continue }
            // A separator: measure the run up to the next alphanumeric.
            var j = i
            while j < b.count, !isLowerAlnum(b[j]) { j += 1 }
            let sep = b[i..<j]
            let valid = sep.elementsEqual([UInt8(ascii: ".")]) || sep.elementsEqual([UInt8(ascii: "_")])
                || sep.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || sep.allSatisfy { $0 == UInt8(ascii: "-") }
            if !valid { return false }
            i = j
        }
        return true
    }

    /// `[\w][\w.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        let b = Array(tag.utf8)
        guard let first = b.first, b.count <= 128, isWord(first) else { return false }
        return b.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isLowerAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x7a) }
    static func isAlnumAnyCase(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 0x41 && c <= 0x5a) }
    static func isWord(_ c: UInt8) -> Bool { isAlnumAnyCase(c) || c == UInt8(ascii: "_") }
    static func isLowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
    static func isHex(_ c: UInt8) -> Bool { isLowerHex(c) || (c >= 0x41 && c <= 0x46) }
}
