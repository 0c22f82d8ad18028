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

/// A build context directory as the daemon would receive it from the docker
/// CLI: every path except those .dockerignore excludes, with the Dockerfile
/// and .dockerignore always kept. Reads the directory once, at init.
public struct BuildContext: SourceTree {
    /// Absolute path of the context directory.
    public let root: String
    public let ignore: DockerIgnore
    private let entries: [String: SourceEntry]
    private let childNames: [String: [String]]

    /// Reads `directory` and its `.dockerignore`. `dockerfile` is the
    /// Dockerfile's path relative to the context, kept even when ignored.
    public init(directory: String, dockerfile: String = "Dockerfile") throws {
        let fm = FileManager.default
        var ignore = DockerIgnore.empty
        let ignorePath = directory + "/.dockerignore"
        if fm.fileExists(atPath: ignorePath) {
            guard let data = fm.contents(atPath: ignorePath) else {
                throw BerthError.invalidArgument("cannot read \(ignorePath)")
            }
            ignore = try DockerIgnore(parsing: String(decoding: data, as: UTF8.self))
        }
        try self.init(directory: directory, ignore: ignore.keeping([".dockerignore", dockerfile]))
    }

    /// Reads `directory` with the given ignore rules.
    public init(directory: String, ignore: DockerIgnore) throws {
        self.root = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.ignore = ignore
        var entries: [String: SourceEntry] = ["": SourceEntry(kind: .directory, mode: 0o755)]
        var childNames: [String: [String]] = [:]
        if let rootEntry = try Self.stat(root) { entries[""] = rootEntry }
        try Self.scan("", root: root, ignore: ignore, entries: &entries, children: &childNames)
        self.entries = entries
        self.childNames = childNames
    }

    /// Walks one directory; returns whether anything below it is included.
    @discardableResult
    private static func scan(_ relative: String, root: String, ignore: DockerIgnore,
                             entries: inout [String: SourceEntry], children: inout [String: [String]]) throws -> Bool {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: absolute).sorted()
        } catch {
            throw BerthError.invalidArgument("cannot read build context directory \(absolute)", cause: error)
        }
        var kept: [String] = []
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard let entry = try stat(root + "/" + path) else { continue }
            let excluded = ignore.excludes(path)
            if case .directory = entry.kind {
                // An excluded directory is walked only when an exception
                // could re-include something inside it (docker's TarWithOptions).
                if excluded && !ignore.hasExceptions { continue }
                let hasIncluded = try scan(path, root: root, ignore: ignore, entries: &entries, children: &children)
                if excluded && !hasIncluded { continue }
                // Parents of re-included paths exist, as extracting the context tar creates them.
                entries[path] = excluded ? SourceEntry(kind: .directory, mode: 0o755) : entry
                kept.append(name)
            } else if !excluded {
                entries[path] = entry
                kept.append(name)
            }
        }
        children[relative] = kept
        return !kept.isEmpty
    }

    /// lstat through FileManager: type, permission bits and size.
    static func stat(_ path: String) throws -> SourceEntry? {
        let fm = FileManager.default
        guard let attributes = try? fm.attributesOfItem(atPath: path) else { return nil }
        let mode = UInt32(truncatingIfNeeded: integer(attributes[.posixPermissions]) ?? 0o644) & 0o7777
        let size = Int64(integer(attributes[.size]) ?? 0)
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            return SourceEntry(kind: .directory, mode: mode)
        case .typeSymbolicLink?:
            let target = try fm.destinationOfSymbolicLink(atPath: path)
            return SourceEntry(kind: .symlink(target: target), mode: mode)
        case .typeRegular?:
            return SourceEntry(kind: .file, mode: mode, size: size)
        default:
            return nil  // sockets, devices and fifos are not sent in a build context
        }
    }

    /// FoundationEssentials reports UInt; with full Foundation loaded the
    /// value is an NSNumber, which `as? Int` bridges.
    private static func integer(_ value: Any?) -> Int? {
        if let number = value as? any BinaryInteger { return Int(number) }
        return value as? Int
    }

    private func key(_ path: String) -> String {
        let cleaned = ContextPath.clean(path)
        return cleaned == "." ? "" : cleaned
    }

    public func entry(at path: String) throws -> SourceEntry? {
        entries[key(path)]
    }

    public func children(of path: String) throws -> [String] {
        childNames[key(path)] ?? []
    }

    public func contents(of path: String) throws -> Data {
        let absolute = root + "/" + key(path)
        guard entries[key(path)] != nil, let data = FileManager.default.contents(atPath: absolute) else {
            throw BerthError.notFound("cannot read \(path) in the build context")
        }
        return data
    }

    /// All included paths, sorted (what `COPY . /dst` sees).
    public var paths: [String] {
        entries.keys.filter { !$0.isEmpty }.sorted()
    }
}
