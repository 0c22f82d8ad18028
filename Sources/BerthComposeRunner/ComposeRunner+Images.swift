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

/// A build context as a tar stream: the context directory and the
/// Dockerfile's path in it; the CLI's is `berth build`'s (.dockerignore
/// applied).
public typealias BuildContextProvider = (_ directory: String, _ dockerfile: String) throws -> () throws -> [UInt8]?

/// `pull`, `push` and `build`: images of the project's services, through
/// the image and build routes.
extension ComposeRunner {
    /// `pull`: the image of every service that names one (services that are
    /// only built are skipped, as compose does without `--include-deps`).
    public func pull(_ services: [String], ignoreFailures: Bool = false) throws {
        for name in try selected(services) {
            guard let image = project.services[name]?.image else { continue }
            report(" \(name) Pulling")
            let (repo, tag) = Self.splitTag(image)
            do {
                let response = try client.checked(EngineClient.Request(method: "POST", path: "/images/create",
                                                                       query: ["fromImage": repo, "tag": tag]))
                try response.forEachMessage { _ in }
                report(" \(name) Pulled")
            } catch where ignoreFailures {
                report(" \(name) Error: \(error)")
            }
        }
    }

    /// `push`: the images of services that have a build section.
    public func push(_ services: [String]) throws {
        for name in try selected(services) where project.services[name]?.build != nil {
            let image = ContainerRequest(project: project).imageName(name)
            let (repo, tag) = Self.splitTag(image)
            report(" Pushing \(name): \(image)")
            let response = try client.checked(EngineClient.Request(method: "POST", path: "/images/\(Query.pathSegment(repo))/push",
                                                                   query: ["tag": tag], headers: [("X-Registry-Auth", "e30=")]))
            try response.forEachMessage { _ in }
            report(" Pushed \(name)")
        }
    }

    /// `build` (and `up --build`): each service with a build section, its
    /// context sent as the tar stream `buildContext` makes, tagged with its
    /// image name.
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
            report(" Building \(name) (\(image))")
            let tar = try buildContext(build.context, build.dockerfile ?? "Dockerfile")
            let response = try client.checked(EngineClient.Request(method: "POST", path: "/build", query: query,
                                                                   body: .stream(contentType: "application/x-tar", next: tar)))
            try response.forEachMessage { message in
                if !quiet, let text = message.stream { Self.write(2, Array(text.utf8)) }
            }
            report(" Built \(name)")
        }
    }

    /// Services named, or all, in dependency order.
    func selected(_ services: [String]) throws -> [String] {
        for name in services where project.services[name] == nil { throw BerthError.notFound("no such service: \(name)") }
        return try DependencyGraph(project).order().filter { services.isEmpty || services.contains($0) }
    }
}
