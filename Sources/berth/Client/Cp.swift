// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import ArgumentParser
import BerthAPIModel
import BerthClient
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
#if canImport(Glibc)
import Glibc
#endif

/// `berth cp CONTAINER:SRC DEST` and `berth cp SRC CONTAINER:DEST` (either
/// side `-` for a tar on stdin/stdout), through /containers/{id}/archive,
/// with docker's rules for what lands where (a directory destination takes
/// the source's name; a missing one becomes the copy).
struct Cp: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy files/folders between a container and the local filesystem.")
    @Flag(name: .shortAndLong, help: "Archive mode (copy all uid/gid information).") var archive = false
    @Flag(name: [.customShort("L"), .customLong("follow-link")], help: "Always follow symbol link in SRC_PATH.") var followLink = false
    @Flag(name: .shortAndLong, help: "Suppress progress output.") var quiet = false
    @Argument(help: "CONTAINER:SRC_PATH or a local path.") var source: String
    @Argument(help: "CONTAINER:DEST_PATH or a local path.") var destination: String

    /// "name:path" → (name, path); a local path (absolute, ./, or without a colon) → nil.
    static func remote(_ argument: String) -> (String, String)? {
        guard !argument.hasPrefix("/"), !argument.hasPrefix("."), let colon = argument.firstIndex(of: ":") else { return nil }
        return (String(argument[..<colon]), String(argument[argument.index(after: colon)...]))
    }

    func validate() throws {
        switch (Self.remote(source), Self.remote(destination)) {
        case (nil, nil): throw ValidationError("must specify at least one container source")
        case (.some, .some): throw ValidationError("copying between containers is not supported")
        default: break
        }
    }

    func run() throws {
        try withClient { client in
            if let (container, path) = Self.remote(source) {
                try copyOut(client, container: container, path: path)
            } else if let (container, path) = Self.remote(destination) {
                try copyIn(client, container: container, path: path)
            }
        }
    }

    private func copyOut(_ client: EngineClient, container: String, path: String) throws {
        let response = try client.containerArchive(container, path: path)
        if destination == "-" { try copyBody(response, to: STDOUT_FILENO); return }
        let stat = Self.pathStat(response.header("X-Docker-Container-Path-Stat"))
        let sourceIsDir = stat.map { $0.mode & (1 << 31) != 0 } ?? false
        let local = fileStatus(destination)
        let exists = local != nil
        let destIsDir = local.map { $0.st_mode & S_IFMT == S_IFDIR } ?? false
        if path.hasSuffix("/") && !sourceIsDir { throw BerthError.invalidArgument("source path is not a directory: \(path)") }
        if destination.hasSuffix("/") && !destIsDir {
            if exists { throw BerthError.invalidArgument("destination \"\(destination)\" must be a directory") }
            if !sourceIsDir { throw BerthError.invalidArgument("\"\(destination)\": destination directory does not exist") }
        }
        if sourceIsDir && exists && !destIsDir { throw BerthError.invalidArgument("cannot copy a directory to a file: \(destination)") }
        var extractor: TarExtractor
        if destIsDir {
            extractor = TarExtractor(destination: destination)
        } else {
            // The copy takes the destination's name in its parent directory.
            let trimmed = destination.hasSuffix("/") ? String(destination.dropLast()) : destination
            let parent = trimmed.contains("/") ? String(trimmed[..<trimmed.lastIndex(of: "/")!]) : "."
            let base = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
            extractor = TarExtractor(destination: parent.isEmpty ? "/" : parent, rename: base)
        }
        try extractor.extract(from: response)
        if !quiet, let stat { printError("Successfully copied \(humanSize(stat.size)) to \(destination)") }
    }

    private func copyIn(_ client: EngineClient, container: String, path: String) throws {
        if source == "-" {
            try client.containerPutArchive(container, path: path, copyUIDGID: archive, tar: chunks(of: STDIN_FILENO))
            return
        }
        guard let local = fileStatus(source, follow: followLink) else {
            throw BerthError.invalidArgument("could not find the file \(source) on the local host")
        }
        let sourceIsDir = local.st_mode & S_IFMT == S_IFDIR
        var target = path, name: String
        let sourceBase = source.split(separator: "/").last.map(String.init) ?? source
        do {
            let head = try client.containerArchiveStat(container, path: path)
            let remote = Self.pathStat(head.header("X-Docker-Container-Path-Stat"))
            let remoteIsDir = remote.map { $0.mode & (1 << 31) != 0 } ?? false
            if remoteIsDir {
                name = sourceBase
            } else {
                if sourceIsDir { throw BerthError.invalidArgument("cannot copy a directory to a file: \(path)") }
                (target, name) = Self.split(path)
            }
        } catch let error as APIError where error.status == 404 {
            if path.hasSuffix("/") && !sourceIsDir { throw BerthError.invalidArgument("destination directory \(path) does not exist in the container") }
            (target, name) = Self.split(path)
        }
        let source = followLink ? realPath(self.source) : self.source
        let producer = TarProducer(entries: try TarProducer.walk(source, as: name))
        try client.containerPutArchive(container, path: target, copyUIDGID: archive, tar: producer.next)
        if !quiet { printError("Successfully copied to \(container):\(path)") }
    }

    /// "/a/b/c" → ("/a/b", "c").
    static func split(_ path: String) -> (String, String) {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", trimmed) }
        let parent = String(trimmed[..<slash])
        return (parent.isEmpty ? "/" : parent, String(trimmed[trimmed.index(after: slash)...]))
    }

    struct PathStat: Decodable { var name: String; var size: Int64; var mode: UInt32 }

    /// The base64 JSON stat header of the archive routes.
    static func pathStat(_ header: String?) -> PathStat? {
        guard let header, let data = Data(base64Encoded: header) else { return nil }
        return try? JSONDecoder().decode(PathStat.self, from: data)
    }
}

/// realpath(3), or the path itself when it cannot be resolved.
func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}
