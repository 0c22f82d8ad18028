import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// Resolves COPY/ADD sources against a source tree and computes which file
/// lands at which image path, with docker's rules (builder/dockerfile/copy.go):
/// - a directory source copies its contents, not the directory itself;
/// - several sources (after wildcard expansion) need a destination ending in `/`;
/// - a destination ending in `/` (or `.`) is a directory; a file copied onto a
///   path that already is a directory in the image goes inside it;
/// - a relative destination is relative to WORKDIR;
/// - sources outside the context are refused.
public struct CopyPlanner {
    public let source: any SourceTree
    /// Whether an absolute path is a directory in the image being built
    /// (the executor checks the rootfs; tests keep a set).
    public let isDirectoryInImage: (String) -> Bool

    public init(source: any SourceTree, isDirectoryInImage: @escaping (String) -> Bool) {
        self.source = source
        self.isDirectoryInImage = isDirectoryInImage
    }

    /// Plans an expanded COPY or ADD run in `workdir` with files owned by `owner`.
    public func plan(_ copy: FileCopy, isAdd: Bool, workdir: String, owner: Ownership? = nil) throws -> CopyPlan {
        let name = isAdd ? "ADD" : "COPY"
        let mode = try copy.chmod.map { try Self.parseChmod($0) }

        // buildkit treats "." and "" as the working directory itself.
        let rawDest = copy.destination
        let destIsDir = rawDest.hasSuffix("/") || rawDest == "." || rawDest.isEmpty
        let dest = ContextPath.cleanAbsolute(rawDest.hasPrefix("/") ? rawDest : workdir + "/" + rawDest)

        // Resolve every source first, as docker does, so errors come before any write.
        enum Item { case path(original: String, resolved: String), inline(Heredoc), url(String) }
        var items: [Item] = []
        for raw in copy.sources {
            if Self.isURL(raw) {
                guard isAdd else { throw BerthError.invalidArgument("\(name) failed: source can't be a URL for COPY") }
                if Self.isGit(raw) {
                    throw BerthError(.notImplemented, "ADD failed: git sources are not supported: \(raw)")
                }
                items.append(.url(raw))
                continue
            }
            var path = raw
            while path.hasPrefix("/") { path.removeFirst() }
            if path.hasPrefix("./") { path.removeFirst(2) }
            let cleaned = ContextPath.clean(path)
            if cleaned == ".." || cleaned.hasPrefix("../") {
                throw BerthError(.forbidden, "\(name) failed: forbidden path outside the build context: \(raw) ()")
            }
            if PathGlob.containsWildcards(cleaned) {
                let glob: PathGlob
                do { glob = try PathGlob(cleaned) } catch {
                    throw BerthError.invalidArgument("\(name) failed: syntax error in pattern \(raw)")
                }
                for candidate in try source.walk() where try glob.matches(candidate) {
                    items.append(.path(original: candidate, resolved: try source.resolveInScope(candidate)))
                }
                continue
            }
            let resolved = try source.resolveInScope(cleaned)
            guard try source.entry(at: resolved) != nil else {
                throw BerthError.notFound("\(name) failed: file not found in build context or excluded by .dockerignore: stat \(cleaned): file does not exist")
            }
            items.append(.path(original: cleaned, resolved: resolved))
        }
        items += copy.inlineSources.map { .inline($0) }

        guard !items.isEmpty else { throw BerthError.invalidArgument("\(name) failed: no source files were specified") }
        if items.count > 1 && !destIsDir {
            throw BerthError.invalidArgument("When using \(name) with more than one source file, the destination must be a directory and end with a /")
        }

        var plan = CopyPlan(entries: [], remote: [])
        var madeDirectories: Set<String> = []
        func intoDirectory() -> Bool { destIsDir || isDirectoryInImage(dest) || madeDirectories.contains(dest) }
        func target(named base: String) -> String { intoDirectory() ? ContextPath.join(dest, base) : dest }

        for item in items {
            switch item {
            case .url(let url):
                guard let file = Self.filename(fromURL: url) else {
                    if destIsDir { throw BerthError.invalidArgument("ADD failed: cannot determine filename for source \(url)") }
                    plan.remote.append(RemoteSource(url: url, destination: dest, checksum: copy.checksum,
                                                    mode: mode ?? 0o600, owner: owner))
                    continue
                }
                plan.remote.append(RemoteSource(url: url, destination: destIsDir ? ContextPath.join(dest, file) : dest,
                                                checksum: copy.checksum, mode: mode ?? 0o600, owner: owner))
            case .inline(let doc):
                plan.entries.append(CopyEntry(kind: .inline(content: doc.effectiveContent),
                                              destination: target(named: doc.name), mode: mode ?? 0o644, owner: owner))
            case .path(let original, let resolved):
                guard let entry = try source.entry(at: resolved) else {
                    throw BerthError.notFound("\(name) failed: file not found in build context or excluded by .dockerignore: stat \(original): file does not exist")
                }
                switch entry.kind {
                case .directory:
                    // The directory's contents go to dest; dest itself becomes a directory.
                    plan.entries.append(CopyEntry(kind: .directory, destination: dest, mode: mode ?? entry.mode, owner: owner))
                    madeDirectories.insert(dest)
                    try copyContents(of: resolved, to: dest, mode: mode, owner: owner, excludes: copy.excludes, into: &plan)
                case .file:
                    if isAdd, try Self.isArchive(try source.contents(of: resolved)) {
                        plan.entries.append(CopyEntry(kind: .extract(source: resolved), destination: dest,
                                                      mode: mode ?? 0o755, owner: owner))
                        madeDirectories.insert(dest)
                        continue
                    }
                    // A symlinked source is copied under the name it was given.
                    plan.entries.append(CopyEntry(kind: .file(source: resolved), destination: target(named: ContextPath.base(original)),
                                                  mode: mode ?? entry.mode, owner: owner))
                case .symlink:
                    throw BerthError.invalidArgument("\(name) failed: too many levels of symbolic links: \(original)")
                }
            }
        }
        return plan
    }

    /// Entries below a copied directory; symlinks inside are kept as symlinks.
    private func copyContents(of directory: String, to dest: String, mode: UInt32?, owner: Ownership?,
                              excludes: [String], into plan: inout CopyPlan) throws {
        let exclude = excludes.isEmpty ? nil : try DockerIgnore(patterns: excludes)
        func visit(_ relative: String) throws {
            let base = relative.isEmpty ? directory : (directory.isEmpty ? relative : directory + "/" + relative)
            for child in try source.children(of: base) {
                let rel = relative.isEmpty ? child : relative + "/" + child
                if let exclude, exclude.excludes(rel) { continue }
                let path = base.isEmpty ? child : base + "/" + child
                guard let entry = try source.entry(at: path) else { continue }
                let target = ContextPath.join(dest, rel)
                switch entry.kind {
                case .directory:
                    plan.entries.append(CopyEntry(kind: .directory, destination: target, mode: mode ?? entry.mode, owner: owner))
                    try visit(rel)
                case .file:
                    plan.entries.append(CopyEntry(kind: .file(source: path), destination: target, mode: mode ?? entry.mode, owner: owner))
                case .symlink(let linkTarget):
                    plan.entries.append(CopyEntry(kind: .symlink(target: linkTarget), destination: target, mode: 0o777, owner: owner))
                }
            }
        }
        try visit("")
    }

    /// `--chmod` in octal (buildkit: "it should be octal string and between 0 and 07777").
    static func parseChmod(_ text: String) throws -> UInt32 {
        guard let value = UInt32(text, radix: 8), value <= 0o7777 else {
            throw BerthError.invalidArgument("invalid chmod parameter: '\(text)'. it should be octal string and between 0 and 07777")
        }
        return value
    }

    static func isURL(_ s: String) -> Bool {
        s.hasPrefix("http://") || s.hasPrefix("https://") || isGit(s)
    }

    static func isGit(_ s: String) -> Bool {
        s.hasPrefix("git@") || s.hasPrefix("git://")
            || ((s.hasPrefix("https://") || s.hasPrefix("http://")) && (s.hasSuffix(".git") || s.contains(".git#")))
    }

    /// The last path segment of a URL, as docker names downloads.
    static func filename(fromURL url: String) -> String? {
        var rest = url
        if let scheme = rest.firstRange(of: "://") { rest = String(rest[scheme.upperBound...]) }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = String(rest[..<cut]) }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let path = rest[slash...]
        guard !path.hasSuffix("/") else { return nil }
        let name = ContextPath.base(String(path))
        return name.isEmpty || name == "/" ? nil : name
    }

    /// Tar, or a compression format a tar may be wrapped in (gzip, bzip2, xz, zstd).
    static func isArchive(_ data: Data) throws -> Bool {
        let bytes = [UInt8](data.prefix(262))
        func starts(_ magic: [UInt8]) -> Bool { bytes.count >= magic.count && Array(bytes.prefix(magic.count)) == magic }
        if starts([0x1f, 0x8b]) || starts([0x42, 0x5a, 0x68]) || starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
            || starts([0x28, 0xb5, 0x2f, 0xfd]) {
            return true
        }
        return bytes.count >= 262 && Array(bytes[257..<262]) == Array("ustar".utf8)
    }
}
