import BerthAPIModel
import BerthClient
import BerthCompose
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `pull`, `push` and `build`: images of the project's services, through
/// the image and build routes.
extension ComposeRunner {
    /// `pull`: the image of every service that names one (services that are
    /// only built are skipped, as compose does without `--include-deps`).
    public func pull(_ services: [String], ignoreFailures: Bool = false) throws {
        for name in try selected(services) {
            guard let image = project.services[name]?.image else { continue }
            progress(" \(name) Pulling")
            let (repo, tag) = Self.splitTag(image)
            do {
                let response = try client.checked(EngineClient.Request(method: "POST", path: "/images/create",
                                                                       query: ["fromImage": repo, "tag": tag]))
                try response.forEachMessage { _ in }
                progress(" \(name) Pulled")
            } catch where ignoreFailures {
                progress(" \(name) Error: \(error)")
            }
        }
    }

    /// `push`: the images of services that have a build section.
    public func push(_ services: [String]) throws {
        for name in try selected(services) where project.services[name]?.build != nil {
            let image = ContainerRequest(project: project).imageName(name)
            let (repo, tag) = Self.splitTag(image)
            progress(" Pushing \(name): \(image)")
            let response = try client.checked(EngineClient.Request(method: "POST", path: "/images/\(Query.pathSegment(repo))/push",
                                                                   query: ["tag": tag], headers: [("X-Registry-Auth", "e30=")]))
            try response.forEachMessage { _ in }
            progress(" Pushed \(name)")
        }
    }

    /// `build` (and `up --build`): each service with a build section, its
    /// context sent as a tar stream made by tar(1), tagged with its image
    /// name.
    public func build(_ services: [String], noCache: Bool = false, pull: Bool = false, quiet: Bool = false) throws {
        for name in try selected(services) {
            guard let build = project.services[name]?.build else { continue }
            guard build.dockerfileInline == nil else {
                throw BerthError(.notImplemented, "services.\(name).build.dockerfile_inline is not supported yet")
            }
            let image = ContainerRequest(project: project).imageName(name)
            var query = Query()
            query.add("t", image)
            for tag in build.tags { query.add("t", tag) }
            query.add("dockerfile", build.dockerfile)
            query.add("target", build.target)
            if !build.args.isEmpty { query.add("buildargs", String(decoding: try JSONEncoder().encode(build.args), as: UTF8.self)) }
            if !build.labels.isEmpty { query.add("labels", String(decoding: try JSONEncoder().encode(build.labels), as: UTF8.self)) }
            query.flag("nocache", noCache || build.noCache == true)
            query.flag("pull", pull || build.pull == true)
            query.add("networkmode", build.network)
            progress(" Building \(name) (\(image))")
            let tar = try TarStream(directory: build.context)
            defer { tar.finish() }
            let response = try client.checked(EngineClient.Request(method: "POST", path: "/build", query: query,
                                                                   body: .stream(contentType: "application/x-tar", next: tar.next)))
            try response.forEachMessage { message in
                if !quiet, let text = message.stream { fputs(text, stderr) }
            }
            try tar.check()
            progress(" Built \(name)")
        }
    }

    /// Services named, or all, in dependency order.
    func selected(_ services: [String]) throws -> [String] {
        for name in services where project.services[name] == nil { throw BerthError.notFound("no such service: \(name)") }
        return try DependencyGraph(project).order().filter { services.isEmpty || services.contains($0) }
    }
}

/// `tar -C DIR -cf - .` read chunk by chunk (the build context).
final class TarStream {
    let fd: Int32
    let pid: pid_t
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError("pipe", errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let argv = ["tar", "-C", directory, "-cf", "-", "."].map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tar", &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw SystemError("posix_spawn", path: "tar", errno: rc)
        }
        self.fd = fds[0]
        self.pid = pid
    }

    func next() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SystemError("read", path: "tar of \(directory)", errno: errno) }
            return n == 0 ? nil : Array(buffer[0..<n])
        }
    }

    private var status: Int32?

    func finish() {
        guard status == nil else { return }
        close(fd)
        var s: Int32 = 0
        while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
        status = s
    }

    /// The tar exited 0.
    func check() throws {
        finish()
        guard let status, status == 0 else {
            throw BerthError.invalidArgument("cannot read the build context \(directory) (tar exited with \(status ?? -1))")
        }
    }
}
