import BerthOCI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// Numeric owner of copied files (`--chown` resolved against the image).
public struct Ownership: Sendable, Equatable, Hashable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

/// What one COPY or ADD writes into the image, entry by entry, in order.
public struct CopyPlan: Sendable, Equatable {
    public var entries: [CopyEntry]
    /// ADD sources fetched over HTTP(S); the executor downloads them.
    public var remote: [RemoteSource]
}

/// One path written into the image.
public struct CopyEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case directory
        /// A regular file with the contents of `source` (a path in the source tree).
        case file(source: String)
        /// A regular file with inline contents (a heredoc source).
        case inline(content: String)
        case symlink(target: String)
        /// ADD of a local archive: unpack `source` into `destination`. As docker's
        /// IsArchivePath, a compressed file that is not a tar is copied instead.
        case extract(source: String)
    }

    public var kind: Kind
    /// Absolute path in the image.
    public var destination: String
    /// Permission bits (`--chmod` applied).
    public var mode: UInt32
    /// Owner; nil means root (docker's default for COPY, whatever USER is).
    public var owner: Ownership?

    public init(kind: Kind, destination: String, mode: UInt32, owner: Ownership?) {
        self.kind = kind
        self.destination = destination
        self.mode = mode
        self.owner = owner
    }
}

/// An ADD source URL and where it lands.
public struct RemoteSource: Sendable, Equatable {
    public var url: String
    public var destination: String
    /// `--checksum` the download must match.
    public var checksum: String?
    public var mode: UInt32
    public var owner: Ownership?
}

extension CopyPlan {
    /// The content checksum for the cache key: per entry its destination,
    /// type, mode, owner and the SHA-256 of its bytes (or link target). mtime
    /// is not part of it, so touching a file does not invalidate the cache.
    public func checksum(reading source: any SourceTree) throws -> BerthOCI.Digest {
        var text = "berth-copy-v1\n"
        for entry in entries {
            let owner = entry.owner.map { "\($0.uid):\($0.gid)" } ?? "0:0"
            let mode = String(entry.mode, radix: 8)
            let body: String
            switch entry.kind {
            case .directory: body = "dir"
            case .file(let path): body = "file " + ContentHash.sha256(try source.contents(of: path)).description
            case .inline(let content): body = "file " + ContentHash.sha256(Data(content.utf8)).description
            case .symlink(let target): body = "symlink " + CacheText.quote(target)
            case .extract(let path): body = "extract " + ContentHash.sha256(try source.contents(of: path)).description
            }
            text += "\(CacheText.quote(entry.destination)) \(mode) \(owner) \(body)\n"
        }
        for remote in remote {
            text += "url \(CacheText.quote(remote.url)) \(CacheText.quote(remote.destination)) "
                + "\(remote.checksum ?? "-") \(String(remote.mode, radix: 8))\n"
        }
        return ContentHash.sha256(Data(text.utf8))
    }

    /// Image path → what lands there (file source path, "<<inline>", "-> target",
    /// "dir/"), the view the COPY test table checks.
    public var summary: [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            switch entry.kind {
            case .directory: result[entry.destination] = result[entry.destination] ?? "dir/"
            case .file(let source): result[entry.destination] = source
            case .inline(let content): result[entry.destination] = "<<" + content
            case .symlink(let target): result[entry.destination] = "-> " + target
            case .extract(let source): result[entry.destination] = "extract " + source
            }
        }
        for remote in remote { result[remote.destination] = remote.url }
        return result
    }
}
