#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// A file tree COPY and ADD read from: the build context, or later a stage's
/// root filesystem (COPY --from). Paths are relative, `/`-separated, "" or
/// "." for the root; symlinks are reported, never followed.
public protocol SourceTree: Sendable {
    /// The entry at `path` without following a final symlink; nil when it
    /// does not exist or is excluded.
    func entry(at path: String) throws -> SourceEntry?
    /// Names of a directory's entries, sorted.
    func children(of path: String) throws -> [String]
    /// The bytes of a regular file.
    func contents(of path: String) throws -> Data
}

/// One file-system entry of a source tree.
public struct SourceEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
    }

    public var kind: Kind
    /// Permission bits including setuid/setgid/sticky (mode & 07777).
    public var mode: UInt32
    public var size: Int64

    public init(kind: Kind, mode: UInt32, size: Int64 = 0) {
        self.kind = kind
        self.mode = mode
        self.size = size
    }
}

extension SourceTree {
    /// Every path in the tree (files, directories, symlinks), depth first in
    /// lexical order, as filepath.WalkDir visits them.
    public func walk(from root: String = "") throws -> [String] {
        var result: [String] = []
        func visit(_ path: String) throws {
            for name in try children(of: path) {
                let child = path.isEmpty || path == "." ? name : path + "/" + name
                result.append(child)
                if case .directory = try entry(at: child)?.kind { try visit(child) }
            }
        }
        try visit(root)
        return result
    }

    /// Follows symlinks in `path` without leaving the tree: an absolute or
    /// `..`-escaping target is resolved against the tree's root, as docker's
    /// FollowSymlinkInScope does for build-context sources.
    public func resolveInScope(_ path: String) throws -> String {
        var resolved: [String] = []
        var pending = ContextPath.clean(path).split(separator: "/").map(String.init).filter { $0 != "." }
        var links = 0
        while !pending.isEmpty {
            let part = pending.removeFirst()
            if part == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = (resolved + [part]).joined(separator: "/")
            if case .symlink(let target)? = try entry(at: candidate)?.kind {
                links += 1
                if links > 255 { throw SourceTreeError.tooManyLinks(path) }
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init).filter { $0 != "." } + pending
                continue
            }
            resolved.append(part)
        }
        return resolved.joined(separator: "/")
    }
}

enum SourceTreeError: Error {
    case tooManyLinks(String)
}
