import BerthSystem

/// An image reference, `[domain/]path[:tag][@digest]`, normalized as docker
/// does (distribution/reference's ParseNormalizedNamed): no domain means
/// `docker.io`, a single docker.io path component gets `library/`, and
/// `index.docker.io` is spelled `docker.io`.
///
/// `description` is the full name (`docker.io/library/busybox:latest`);
/// `familiarString` is what docker prints (`busybox:latest`).
public struct Reference: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The registry host, with a port if one was given (`docker.io`, `127.0.0.1:5000`).
    public let domain: String
    /// The repository inside the registry (`library/busybox`).
    public let path: String
    /// The tag, if one was given.
    public let tag: String?
    /// The digest, if one was given; it wins over the tag when pulling.
    public let digest: Digest?

    public static let defaultDomain = "docker.io"
    public static let legacyDefaultDomain = "index.docker.io"
    public static let officialRepoPrefix = "library/"
    public static let defaultTag = "latest"
    /// distribution/reference's NameTotalLengthMax.
    public static let nameTotalLengthMax = 255

    /// Parses a reference the way `docker pull NAME` does.
    public init(parsing string: String) throws {
        self = try ReferenceParser.parseNormalized(string)
    }

    /// A reference from parts already validated (by the parser or by a caller
    /// that took them from another Reference).
    init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// `domain/path`, the repository's full name.
    public var name: String { "\(domain)/\(path)" }

    /// The name as docker shows it: no `docker.io/`, no `library/` for
    /// official images (distribution/reference familiarizeName).
    public var familiarName: String {
        guard domain == Reference.defaultDomain else { return name }
        if path.hasPrefix(Reference.officialRepoPrefix) {
            let rest = path.dropFirst(Reference.officialRepoPrefix.count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// The full reference: `docker.io/library/busybox:latest@sha256:…`.
    public var description: String { name + suffix }

    /// The reference as docker prints it: `busybox:latest`.
    public var familiarString: String { familiarName + suffix }

    private var suffix: String {
        var s = ""
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// The reference with `latest` added when it has neither tag nor digest
    /// (distribution/reference TagNameOnly), as `docker pull busybox` does.
    public var withDefaultTag: Reference {
        guard tag == nil, digest == nil else { return self }
        return Reference(domain: domain, path: path, tag: Reference.defaultTag, digest: nil)
    }

    /// The same repository with another tag (and no digest).
    public func with(tag: String) throws -> Reference {
        guard ReferenceParser.isValidTag(tag) else {
            throw BerthError.invalidArgument("invalid tag format \"\(tag)\": a tag is up to 128 of [A-Za-z0-9_.-] and must not start with . or -")
        }
        return Reference(domain: domain, path: path, tag: tag, digest: nil)
    }

    /// The same repository pinned to a digest (the tag is dropped).
    public func with(digest: Digest) -> Reference {
        Reference(domain: domain, path: path, tag: nil, digest: digest)
    }

    /// The repository alone, without tag or digest.
    public var repository: Reference { Reference(domain: domain, path: path, tag: nil, digest: nil) }

    /// What to ask the registry for: the digest when there is one, else the
    /// tag, else `latest`.
    public var tagOrDigest: String { digest?.description ?? tag ?? Reference.defaultTag }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(parsing: try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
