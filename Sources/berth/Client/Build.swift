// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import ArgumentParser
import BerthAPIModel
import BerthBuild
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

/// `berth build [-t NAME]... [-f Dockerfile] [--build-arg K=V]... PATH | -`:
/// tars the context (without what .dockerignore excludes; the Dockerfile and
/// .dockerignore are always sent, as docker does), streams it to POST /build
/// and prints the classic builder's output.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build an image from a Dockerfile.")
    @Option(name: [.customShort("t"), .long], help: "Name and optionally a tag (name:tag); repeatable.") var tag: [String] = []
    @Option(name: [.customShort("f"), .long], help: "Name of the Dockerfile (default: PATH/Dockerfile).") var file: String?
    @Option(name: .customLong("build-arg"), help: "Set build-time variables.") var buildArg: [String] = []
    @Option(name: .long, help: "Set the target build stage to build.") var target: String?
    @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image.") var noCache = false
    @Flag(name: .long, help: "Always attempt to pull a newer version of the image.") var pull = false
    @Option(name: .long, help: "Set metadata for an image.") var label: [String] = []
    @Option(name: .long, help: "Write the image ID to the file.") var iidfile: String?
    @Flag(name: .shortAndLong, help: "Suppress the build output and print image ID on success.") var quiet = false
    @Option(name: .long, help: "Set platform if server is multi-platform capable.") var platform: String?
    @Argument(help: "The context directory, or - for a tar (or a Dockerfile) on stdin.") var context: String

    func run() throws {
        try withClient { client in
            var query = Query()
            for name in tag { query.add("t", name) }
            query.add("target", target)
            query.flag("nocache", noCache)
            query.flag("pull", pull)
            query.flag("q", quiet)
            query.add("platform", platform)
            query.add("rm", "1")
            if !buildArg.isEmpty {
                // docker sends `--build-arg NAME` (no value) with the caller's value.
                var args: [String: String] = [:]
                for item in buildArg {
                    if let equals = item.firstIndex(of: "=") { args[String(item[..<equals])] = String(item[item.index(after: equals)...]) }
                    else if let value = environment()[item] { args[item] = value }
                }
                query.add("buildargs", String(decoding: try JSONEncoder().encode(args), as: UTF8.self))
            }
            if !label.isEmpty { query.add("labels", String(decoding: try JSONEncoder().encode(keyValues(label)), as: UTF8.self)) }
            let body: () throws -> [UInt8]?
            if context == "-" {
                body = try stdinContext(&query)
            } else {
                body = try directoryContext(&query)
            }
            // Every stored login goes along: the daemon picks the registry of each FROM.
            let config = try DockerConfig.load()
            var auths: [String: AuthConfig] = [:]
            if case .object(let entries)? = config.document["auths"] {
                for key in entries.keys { if let auth = config.credentials(forRegistry: key) { auths[key] = auth } }
            }
            let response = try client.build(query: query, registryConfig: auths, context: body)
            var imageID: String?
            try response.forEachMessage { message in
                if case .object(let aux)? = message.aux, case .string(let id)? = aux["ID"] { imageID = id }
                if let stream = message.stream, !quiet { writeAll(STDOUT_FILENO, Array(stream.utf8)) }
                else if let status = message.status, !quiet { print((message.id.map { $0 + ": " } ?? "") + status) }
                if quiet, imageID == nil, let stream = message.stream, stream.hasPrefix("sha256:") {
                    imageID = String(stream.filter { !$0.isWhitespace })
                }
            }
            if quiet, let imageID { print(imageID) }
            if let iidfile, let imageID {
                let fd = try openForWriting(iidfile)
                writeAll(fd, Array(imageID.utf8))
                close(fd)
            }
        }
    }

    /// The context directory as a tar, .dockerignore applied; sets `dockerfile`.
    private func directoryContext(_ query: inout Query) throws -> () throws -> [UInt8]? {
        guard let st = fileStatus(context), st.st_mode & S_IFMT == S_IFDIR else {
            throw BerthError.invalidArgument("unable to prepare context: path \"\(context)\" not found or not a directory")
        }
        let root = realPath(context)
        var dockerfile = "Dockerfile"
        if let file {
            let full = realPath(file)
            guard full.hasPrefix(root + "/") else {
                throw BerthError.invalidArgument("the Dockerfile (\(file)) must be within the build context (\(context))")
            }
            dockerfile = String(full.dropFirst(root.count + 1))
        }
        guard access(root + "/" + dockerfile, R_OK) == 0 else {
            throw BerthError.invalidArgument("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat \(root)/\(dockerfile): no such file or directory")
        }
        query.add("dockerfile", dockerfile)
        var ignore = DockerIgnore.empty
        let ignoreFile = root + "/.dockerignore"
        if access(ignoreFile, R_OK) == 0 {
            let fd = try openForReading(ignoreFile)
            var bytes: [UInt8] = []
            let next = chunks(of: fd)
            while let chunk = try next() { bytes += chunk }
            close(fd)
            ignore = try DockerIgnore(parsing: String(decoding: bytes, as: UTF8.self)).keeping([dockerfile, ".dockerignore"])
        }
        let rules = ignore
        // With `!` exceptions an excluded directory is still walked (something
        // inside may be re-included), but its own entry is not sent.
        let entries = try TarProducer.walk(root, as: "", excluded: { path in
            rules.excludes(path) && !(rules.hasExceptions && Self.isDirectory(root + "/" + path))
        }).filter { !(Self.isDirectory($0.path) && rules.excludes($0.name)) }
        let producer = TarProducer(entries: entries)
        return producer.next
    }

    static func isDirectory(_ path: String) -> Bool {
        fileStatus(path, follow: false).map { $0.st_mode & S_IFMT == S_IFDIR } ?? false
    }

    /// `-`: a tar on stdin is sent as it is; anything else is a Dockerfile alone.
    private func stdinContext(_ query: inout Query) throws -> () throws -> [UInt8]? {
        var bytes: [UInt8] = []
        let next = chunks(of: STDIN_FILENO)
        while let chunk = try next() { bytes += chunk }
        let isTar = bytes.count >= 512 && Array(bytes[257..<262]) == Array("ustar".utf8)
        if let file { query.add("dockerfile", file) }
        var archive = bytes
        if !isTar {
            archive = TarProducer.block(name: "Dockerfile", mode: 0o644, uid: 0, gid: 0, size: Int64(bytes.count),
                                        mtime: Int64(nowUnix()), type: UInt8(ascii: "0"), link: "")
            archive += bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512) + [UInt8](repeating: 0, count: 1024)
        }
        var sent = false
        return {
            if sent { return nil }
            sent = true
            return archive
        }
    }
}
