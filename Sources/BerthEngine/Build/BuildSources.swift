// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import BerthBuild
import BerthImages
import BerthStore
import BerthSystem
import Glibc
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// A regular file a COPY reads: `size` bytes of `fd` from `offset`.
struct SourceFile {
    let fd: FileDescriptor
    let offset: Int64
    let size: Int64
    let mtime: timespec
}

/// Where COPY/ADD read file bytes from: the build context or an image's root.
protocol SourceFiles: Sendable {
    /// The regular file at `path` (relative, as the copy plan names it).
    func file(_ path: String) throws -> SourceFile
}

/// An image's mounted root (COPY --from) or an unpacked context directory.
extension RootedTree: SourceFiles {
    func file(_ path: String) throws -> SourceFile {
        let fd = try open("/" + path, O_RDONLY | O_NOFOLLOW)
        let info = try fd.stat()
        return SourceFile(fd: fd, offset: 0, size: Int64(info.st_size), mtime: info.st_mtim)
    }
}

/// The build context read in place from the request's tar (spooled to a
/// file, never extracted): the index of its members with docker's
/// .dockerignore rules applied as `BuildContext` applies them to a
/// directory, and file bytes read at their offsets.
final class TarContext: SourceTree, SourceFiles, @unchecked Sendable {
    private let index: TarIndex
    private let fd: FileDescriptor
    private var entries: [String: SourceEntry] = ["": SourceEntry(kind: .directory, mode: 0o755)]
    private var childNames: [String: [String]] = [:]

    /// Indexes the tar at `path`; `dockerfile` (relative) and .dockerignore are always kept.
    init(path: String, dockerfile: String) throws {
        fd = try FileDescriptor.open(path, O_RDONLY)
        index = try TarIndex(path: path, fd: fd.raw)
        // Every entry with its parents, as extracting the tar would make them.
        var all: [String: SourceEntry] = ["": SourceEntry(kind: .directory, mode: 0o755)]
        var children: [String: Set<String>] = [:]
        for (name, member) in index.entries {
            let entry: SourceEntry
            switch member.kind {
            case .file: entry = SourceEntry(kind: .file, mode: member.mode, size: member.size)
            case .hardlink(let target): entry = SourceEntry(kind: .file, mode: member.mode, size: index.entries[target]?.size ?? 0)
            case .directory: entry = SourceEntry(kind: .directory, mode: member.mode)
            case .symlink(let target): entry = SourceEntry(kind: .symlink(target: target), mode: 0o777)
            case .other: continue
            }
            all[name] = entry
            var path = name
            while !path.isEmpty {
                let slash = path.lastIndex(of: "/")
                let parent = slash.map { String(path[..<$0]) } ?? ""
                let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
                children[parent, default: []].insert(base)
                if all[parent] == nil { all[parent] = SourceEntry(kind: .directory, mode: 0o755) }
                path = parent
            }
        }
        var ignore = DockerIgnore.empty
        if case .file? = all[".dockerignore"]?.kind, let member = index.entries[".dockerignore"] {
            let text = try Self.read(member, index: index, fd: fd)
            ignore = try DockerIgnore(parsing: String(decoding: text, as: UTF8.self))
        }
        ignore = ignore.keeping([".dockerignore", dockerfile])
        let sorted = children.mapValues { $0.sorted() }
        scan("", all: all, children: sorted, ignore: ignore)
    }

    /// BuildContext.scan over the index: returns whether anything below is kept.
    @discardableResult
    private func scan(_ relative: String, all: [String: SourceEntry], children: [String: [String]], ignore: DockerIgnore) -> Bool {
        var kept: [String] = []
        for name in children[relative] ?? [] {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard let entry = all[path] else { continue }
            let excluded = ignore.excludes(path)
            if case .directory = entry.kind {
                if excluded && !ignore.hasExceptions { continue }
                let hasIncluded = scan(path, all: all, children: children, ignore: ignore)
                if excluded && !hasIncluded { continue }
                entries[path] = excluded ? SourceEntry(kind: .directory, mode: 0o755) : entry
                kept.append(name)
            } else if !excluded {
                entries[path] = entry
                kept.append(name)
            }
        }
        childNames[relative] = kept
        return !kept.isEmpty
    }

    private static func read(_ member: TarIndex.Entry, index: TarIndex, fd: FileDescriptor) throws -> [UInt8] {
        var member = member
        if case .hardlink(let target) = member.kind, let linked = index.entries[target] { member = linked }
        var bytes = [UInt8](repeating: 0, count: Int(member.size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd.raw, $0.baseAddress! + done, $0.count - done, off_t(member.offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw BerthError.invalidArgument("the build context ends inside \(member.name)") }
            done += n
        }
        return bytes
    }

    private static func key(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }

    private func member(_ path: String) throws -> TarIndex.Entry {
        let key = Self.key(path)
        guard case .file? = entries[key]?.kind, var member = index.entries[key] else {
            throw BerthError.notFound("cannot read \(path) in the build context")
        }
        if case .hardlink(let target) = member.kind, let linked = index.entries[target] { member = linked }
        return member
    }

    func entry(at path: String) throws -> SourceEntry? { entries[Self.key(path)] }

    func children(of path: String) throws -> [String] { childNames[Self.key(path)] ?? [] }

    func contents(of path: String) throws -> Data { Data(try Self.read(try member(path), index: index, fd: fd)) }

    func file(_ path: String) throws -> SourceFile {
        let member = try member(path)
        return SourceFile(fd: fd, offset: member.offset, size: member.size, mtime: timespec(tv_sec: Int(member.mtime), tv_nsec: 0))
    }
}
