import BerthBuild
import BerthImages
import BerthOCI
import BerthRegistry
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

/// `POST /build` and `/build/prune` with docker's classic builder: the
/// context tar is unpacked under `<data-root>/build/<id>/context`, the
/// Dockerfile parsed and planned there (errors before any output are a
/// plain HTTP error, as dockerd's), then `BuildExecutor` runs the steps
/// with `EngineBuildWorker` and its events become the JSON progress stream.
public struct BuildService: BuildBackend {
    let images: ImageService
    let containers: ContainerService
    /// `<data-root>/build`.
    let root: String

    public init(images: ImageService, containers: ContainerService, dataRoot: String) {
        self.images = images
        self.containers = containers
        self.root = dataRoot + "/build"
    }

    public func build(_ options: BuildOptions, context: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        if let remote = options.remote {
            throw BerthError(.notImplemented, "building from a remote context (\(remote)) is not supported by berth: send the context in the request body")
        }
        if options.squash { throw BerthError(.notImplemented, "--squash is not supported by berth") }
        if let outputs = options.outputs, !outputs.isEmpty {
            throw BerthError(.notImplemented, "build outputs (\(outputs)) need BuildKit; berth's classic builder writes images only")
        }
        for tag in options.tags {
            do { _ = try Reference(parsing: tag) } catch {
                throw BerthError.invalidArgument("invalid reference format: \(tag): \(error)")
            }
        }
        let names = options.tags
        let directory = try makeBuildDirectory()
        let cleanup = { @Sendable in Self.removeBuildDirectory(directory) }
        let executor: BuildExecutor
        do {
            let (dockerfile, tree, files) = try await Self.receive(context, in: directory, dockerfile: options.dockerfile)
            var buildArgs: [String: String] = [:]
            for (key, value) in options.buildArgs {
                // `--build-arg NAME` without a value takes the client's environment; absent there, it is unset.
                if let value { buildArgs[key] = value }
            }
            let request = BuildRequest(options: BerthBuild.BuildOptions(buildArgs: buildArgs, target: options.target,
                                                                        targetPlatform: options.platform),
                                       tags: names, labels: options.labels, noCache: options.noCache, pull: options.pull,
                                       cacheFrom: options.cacheFrom, network: options.networkMode)
            var credentials: [String: RegistryCredentials] = [:]
            for (host, auth) in options.registryAuth {
                credentials.merge(ImageServiceBackend.credentials(auth, domain: host)) { $1 }
            }
            let worker = EngineBuildWorker(images: images, containers: containers, context: files,
                                           scratch: directory + "/mnt", credentials: credentials)
            executor = BuildExecutor(dockerfile: dockerfile, request: request, worker: worker, context: tree)
            // Plan now: an unknown target or a bad FROM is an HTTP error before any output.
            _ = try BuildPlan(dockerfile: dockerfile, options: request.options)
        } catch {
            cleanup()
            throw error
        }
        let quiet = options.quiet
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await executor.run { event in
                        switch event {
                        case .stream(let text):
                            if !quiet { continuation.yield(JSONMessage(stream: text)) }
                        case .built(let id):
                            continuation.yield(JSONMessage(aux: .object(["ID": .string(id)])))
                            if quiet { continuation.yield(JSONMessage(stream: id + "\n")) }
                        }
                    }
                    cleanup()
                    continuation.finish()
                } catch {
                    cleanup()
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func buildPrune(_ options: BuildPruneOptions) async throws -> BuildPruneResponse {
        if !options.filters.isEmpty {
            throw BerthError.invalidArgument("build cache prune: filters (\(options.filters.json())) are not supported by berth")
        }
        let (entries, reclaimed) = try images.pruneBuildCache()
        var response = BuildPruneResponse()
        response.cachesDeleted = entries
        response.spaceReclaimed = reclaimed
        return response
    }

    // MARK: - the context

    private func makeBuildDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var template = Array("\(root)/b-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BerthError(SystemError("mkdtemp", path: root, errno: errno), while: "create a build directory")
        }
        let path = String(cString: made)
        try FileManager.default.createDirectory(atPath: path + "/mnt", withIntermediateDirectories: true)
        return path
    }

    /// Removes a build's directory; mounts left by a failure are detached first.
    static func removeBuildDirectory(_ path: String) {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: path + "/mnt") {
            for entry in entries {
                let mountpoint = path + "/mnt/" + entry
                _ = try? Mounter.unmount(mountpoint, detach: true)
                rmdir(mountpoint)
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The request body, spooled under the build directory, and the
    /// Dockerfile in it. A plain tar (what the docker CLI sends) is read in
    /// place; a compressed one (docker-py's `gzip=True`) is unpacked into
    /// `context/` first.
    static func receive(_ body: ByteStream, in directory: String,
                        dockerfile given: String) async throws -> (Dockerfile, any SourceTree, any SourceFiles) {
        let spool = try await Spool.write(body, under: directory)
        let path = try dockerfilePath(given)
        let name = path.split(separator: "/").last.map(String.init) ?? "Dockerfile"
        // The docker CLI sends a Dockerfile from outside the context under a random name.
        let filename = name.hasPrefix(".dockerfile.") ? "Dockerfile" : name
        func parse(_ text: Data?) throws -> Dockerfile {
            guard let text else { throw BerthError.invalidArgument("Cannot locate specified Dockerfile: \(given)") }
            return try Dockerfile.parse(String(decoding: text, as: UTF8.self), filename: filename)
        }
        let head = try Self.head(spool.path)
        if head.isEmpty || !(head.starts(with: [0x1f, 0x8b]) || head.starts(with: [0x28, 0xb5, 0x2f, 0xfd])) {
            let tar: TarContext
            do {
                tar = try TarContext(path: spool.path, dockerfile: path)
            } catch let error as BerthError {
                throw BerthError.invalidArgument("the build context is not a valid tar archive: \(error.message)")
            }
            return (try parse(try? tar.contents(of: path)), tar, tar)
        }
        defer { spool.remove() }
        let unpacked = directory + "/context"
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        let fd = try FileDescriptor.open(spool.path, O_RDONLY)
        do {
            _ = try LayerApplier().apply(fd: fd.raw, into: unpacked)
        } catch {
            throw BerthError.invalidArgument("the build context is not a valid tar archive: \(error)")
        }
        let tree = try BuildContext(directory: unpacked, dockerfile: path)
        return (try parse(FileManager.default.contents(atPath: unpacked + "/" + path)), tree, try RootedTree(path: unpacked))
    }

    /// The first bytes of a file (to tell compression).
    static func head(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        var bytes = [UInt8](repeating: 0, count: 4)
        let n = bytes.withUnsafeMutableBytes { pread(fd.raw, $0.baseAddress, 4, 0) }
        return n > 0 ? Array(bytes[..<n]) : []
    }

    /// The Dockerfile's path inside the context, refused when it leaves it.
    static func dockerfilePath(_ given: String) throws -> String {
        var parts: [String] = []
        for part in given.split(separator: "/") where part != "." {
            if part == ".." {
                guard !parts.isEmpty else {
                    throw BerthError.invalidArgument("the Dockerfile (\(given)) must be within the build context")
                }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        guard !parts.isEmpty else { throw BerthError.invalidArgument("Cannot locate specified Dockerfile: \(given)") }
        return parts.joined(separator: "/")
    }
}
