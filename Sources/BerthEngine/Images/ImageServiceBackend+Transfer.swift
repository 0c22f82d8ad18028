import BerthImages
import CBerth
import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The streamed image routes: pull, push, import, save, load.
extension ImageServiceBackend {
    /// `POST /images/create?fromImage=&tag=`: dockerd's progress stream.
    /// The "Pulling from" line is held back until the registry has answered
    /// for the manifest, so a missing tag or repository is a plain HTTP
    /// error ("manifest for … not found: manifest unknown"), as dockerd
    /// writes nothing before it has the manifest (distribution/pull_v2.go).
    public func imagePull(_ options: ImagePullOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        let reference = Self.pullReference(options.fromImage, tag: options.tag)
        let ref = try Reference(parsing: reference)
        let platform = try options.platform.map { try Platform(parsing: $0) }
        let credentials = Self.credentials(options.auth, domain: ref.domain)
        let service = self.service
        let backend = self
        return AsyncThrowingStream { continuation in
            let held = HeldFirstMessage(continuation)
            let task = Task {
                do {
                    let image = try await service.pull(reference, platform: platform, credentials: credentials) { progress in
                        held.yield(Self.message(progress))
                    }
                    backend.emit("pull", image, id: ref.withDefaultTag.familiarString, name: ref.familiarName)
                    held.flush()
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// moby: `tag` is a tag or a digest; fromImage may carry either itself.
    static func pullReference(_ image: String, tag: String?) -> String {
        guard let tag, !tag.isEmpty else { return image }
        return image + (tag.contains(":") ? "@" : ":") + tag
    }

    /// X-Registry-Auth's user and password for the image's registry.
    static func credentials(_ auth: AuthConfig?, domain: String) -> [String: RegistryCredentials] {
        guard let auth, let username = auth.username, !username.isEmpty, let password = auth.password else { return [:] }
        return [domain: RegistryCredentials(username: username, password: password)]
    }

    /// A progress event as a line of dockerd's stream.
    static func message(_ progress: PullProgress) -> JSONMessage {
        var message = JSONMessage(status: progress.status, id: progress.id)
        if let current = progress.current {
            message.progressDetail = ProgressDetail(current: Int(current), total: progress.total.map { Int($0) })
        }
        return message
    }

    /// `POST /images/{name}/push?tag=`: without a tag every tag of the
    /// repository goes, as dockerd. Ends with the `aux` Tag/Digest message.
    public func imagePush(_ name: String, options: ImagePushOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        let repository = try Reference(parsing: name).repository
        let references: [String]
        if let tag = options.tag {
            references = [tag.contains(":") ? "\(name)@\(tag)" : "\(name):\(tag)"]
        } else {
            references = try service.images().flatMap(\.RepoTags).filter {
                (try? Reference(parsing: $0).repository) == repository
            }
            guard !references.isEmpty else {
                throw BerthError.notFound("An image does not exist locally with the tag: \(repository.familiarName)")
            }
        }
        // An unknown tag is a plain 404 before anything streams, in
        // dockerd's words (distribution/push.go).
        for reference in references {
            do { _ = try service.image(reference) } catch let error as BerthError where error.code == .notFound {
                throw BerthError.notFound("An image does not exist locally with the tag: \(repository.familiarName)")
            }
        }
        let pushing = references
        let credentials = Self.credentials(options.auth, domain: repository.domain)
        let service = self.service
        let backend = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for reference in pushing {
                        let digest = try await service.push(reference, credentials: credentials) { progress in
                            continuation.yield(Self.message(progress))
                        }
                        backend.emitPush(reference)
                        let tag = (try? Reference(parsing: reference))?.tag ?? Reference.defaultTag
                        continuation.yield(JSONMessage(aux: .object(["Tag": .string(tag), "Digest": .string(digest.description)])))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `POST /images/create?fromSrc=-`: the body is a rootfs tarball; the
    /// answer is the new image's ID as a status line, as dockerd's.
    public func imageImport(_ options: ImageImportOptions, source: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        guard options.fromSrc == "-" else {
            throw BerthError(.notImplemented, "import from a URL is not supported by berth daemon: send the file (docker import - < FILE)")
        }
        let reference = try options.repo.map { repo -> String in
            try Reference(parsing: repo).digest == nil ? repo + (options.tag.map { ":" + $0 } ?? "") : repo
        }
        let changes = try ImportChanges.config(options.changes)
        let spool = try await Spool.write(source, under: service.store.root + "/tmp")
        defer { spool.remove() }
        let image = try await service.importRootfs(from: spool.path, reference: reference, message: options.message,
                                                   changes: changes)
        // dockerd tags the new image first, then reports the import.
        if let reference { emitTag(reference) }
        emit("import", image)
        return Self.messages([JSONMessage(status: image.id.description)])
    }

    /// `GET /images/get`: `ImageService.save` writes the archive into a
    /// pipe on a thread of its own; the stream reads the other end.
    public func imageSave(_ names: [String], platforms: [String]) async throws -> ByteStream {
        // Unknown names are a plain 404, before any byte of the archive.
        var images: [StoredImage] = []
        for name in names {
            let image = try service.image(name)
            if !images.contains(where: { $0.id == image.id }) { images.append(image) }
        }
        let saved = images
        var fds: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&fds) == 0 else {
            throw BerthError(SystemError("pipe2", errno: errno), while: "save \(names.joined(separator: " "))")
        }
        let reader = PipeReader(fd: fds[0])
        let writeFD = fds[1]
        let service = self.service
        let backend = self
        BlockingThread.start {
            do {
                try service.save(names, to: nil, fd: writeFD)
                for image in saved { backend.emit("save", image) }
            } catch { reader.fail(error) }
            close(writeFD)
        }
        return AsyncThrowingStream(unfolding: { try reader.next() })
    }

    /// `POST /images/load`: `ImageService.load` reads archive members at
    /// their offsets, so the body is spooled to a file under the store
    /// first (same filesystem, removed after).
    public func imageLoad(_ archive: ByteStream, quiet: Bool, platforms: [String]) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        let spool = try await Spool.write(archive, under: service.store.root + "/tmp")
        defer { spool.remove() }
        let lines = try await service.load(from: spool.path) { emit("load", $0) }
        return Self.messages(lines.map { JSONMessage(stream: $0 + "\n") })
    }

    static func messages(_ list: [JSONMessage]) -> AsyncThrowingStream<JSONMessage, any Error> {
        AsyncThrowingStream { continuation in
            for message in list { continuation.yield(message) }
            continuation.finish()
        }
    }
}

/// Holds a pull's first message ("Pulling from …") until a second one
/// shows the registry answered; see `imagePull`.
final class HeldFirstMessage: @unchecked Sendable {
    private let lock = Lock()
    private var held: JSONMessage?
    private var started = false
    private let continuation: AsyncThrowingStream<JSONMessage, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<JSONMessage, any Error>.Continuation) {
        self.continuation = continuation
    }

    func yield(_ message: JSONMessage) {
        lock.withLock {
            if !started {
                started = true
                held = message
                return
            }
            if let first = held { continuation.yield(first); held = nil }
            continuation.yield(message)
        }
    }

    func flush() {
        lock.withLock {
            if let first = held { continuation.yield(first); held = nil }
        }
    }
}
