import BerthAPIModel
import BerthClient
import BerthCompose
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// The commands that act on existing containers (start, stop, restart,
/// kill, rm) and the ones that report (ps, images, top, port, ls).
extension ComposeRunner {
    /// `start`: the services' stopped containers, in dependency order
    /// (a service's containers, and independent services, at the same time).
    public func start(_ services: [String]) throws {
        let order = try DependencyGraph(project).order()
        let containers = try serviceContainers(services)
        let refs = order.flatMap { name in containers.filter { $0.service == name && !$0.isUp } }
        try execute(ComposePlan(actions: refs.map { .startContainer($0.ref) }))
    }

    /// `stop`: dependents first; `timeout` overrides `stop_grace_period`.
    public func stop(_ services: [String], timeout: Int? = nil) throws {
        let order = try DependencyGraph(project).order()
        let containers = try serviceContainers(services) + serviceContainers(services, oneoff: true)
        let refs = order.reversed().flatMap { name in containers.filter { $0.service == name && $0.isUp } }
        try execute(ComposePlan(actions: refs.map { .stopContainer($0.ref) }),
                    stopTimeout: timeout)
    }

    /// `restart`: each container stopped and started again, a service after
    /// its dependencies, its containers at the same time.
    public func restart(_ services: [String], timeout: Int? = nil) throws {
        let graph = DependencyGraph(project)
        let order = try graph.order()
        let all = try serviceContainers(services)
        let containers = order.flatMap { name in all.filter { $0.service == name } }
        let prerequisites = containers.indices.map { i in
            containers.indices.prefix(i).filter { j in graph.dependencies[containers[i].service ?? ""]?.contains(containers[j].service ?? "") == true }
        }
        try ConcurrentSteps.run(prerequisites: prerequisites) { [self] i in
            let c = containers[i]
            report(" Container \(c.name)  Restarting")
            var query = Query()
            query.add("t", timeout)
            try client.post("/containers/\(c.id)/restart", query: query)
            report(" Container \(c.name)  Started")
        }
    }

    /// `kill -s SIGNAL`: running containers only, all at the same time.
    public func kill(_ services: [String], signal: String) throws {
        let containers = try serviceContainers(services).filter(\.isUp)
        try ConcurrentSteps.run(prerequisites: containers.map { _ in [] }) { [self] i in
            let c = containers[i]
            report(" Container \(c.name)  Killing")
            try client.post("/containers/\(c.id)/kill", query: ["signal": signal])
            report(" Container \(c.name)  Killed")
        }
    }

    /// `rm`: stopped containers (running ones too with `stop`), at the same time.
    public func remove(_ services: [String], stop: Bool, volumes: Bool) throws {
        if stop { try self.stop(services) }
        let containers = try serviceContainers(services).filter { !$0.isUp }
        if containers.isEmpty { report("No stopped containers") }
        try execute(ComposePlan(actions: containers.map {
            .removeContainer($0.ref, volumes: volumes)
        }))
    }

    /// One row of `ps`.
    public struct ContainerRow: Sendable {
        public var name: String
        public var image: String
        public var command: String
        public var service: String
        public var status: String
        public var state: String
        public var ports: String
    }

    /// `ps`: the project's containers (`all`: stopped ones too).
    public func ps(_ services: [String], all: Bool) throws -> [ContainerRow] {
        var query = Query()
        query.add("all", "1")
        query.filters(["label": ["\(ComposeLabel.project)=\(project.name)", "\(ComposeLabel.oneoff)=False"]])
        let summaries = try client.get([ContainerSummary].self, "/containers/json", query: query)
        return summaries.compactMap { s -> ContainerRow? in
            let service = s.labels?[ComposeLabel.service] ?? ""
            guard services.isEmpty || services.contains(service), all || s.state == "running" || s.state == "paused" || s.state == "restarting" else { return nil }
            let name = (s.names?.first).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? ""
            return ContainerRow(name: name, image: s.image ?? "", command: "\"\(s.command ?? "")\"", service: service,
                                status: s.status ?? "", state: s.state ?? "", ports: Self.portsText(s.ports ?? []))
        }.sorted { $0.name < $1.name }
    }

    /// docker's ports column: `0.0.0.0:8080->80/tcp, 6379/tcp`.
    static func portsText(_ ports: [Port]) -> String {
        var seen = Set<String>()
        return ports.sorted { ($0.privatePort ?? 0, $0.ip ?? "") < ($1.privatePort ?? 0, $1.ip ?? "") }.compactMap { p in
            let target = "\(p.privatePort ?? 0)/\(p.type ?? "tcp")"
            let text = p.publicPort.map { "\(p.ip ?? "0.0.0.0"):\($0)->\(target)" } ?? target
            return seen.insert(text).inserted ? text : nil
        }.joined(separator: ", ")
    }

    /// `images`: each container's image, by ID and size.
    public func images(_ services: [String]) throws -> [(container: String, repository: String, tag: String, id: String, size: Int64)] {
        try serviceContainers(services).map { c in
            let info = try client.get(ContainerInspectResponse.self, "/containers/\(c.id)/json")
            let image = info.config?.image ?? ""
            let summary = try? client.get(ImageInspect.self, "/images/\(Query.pathSegment(info.image ?? image))/json")
            let (repo, tag) = Self.splitTag(image)
            let id = (info.image ?? "").hasPrefix("sha256:") ? String((info.image ?? "").dropFirst(7).prefix(12)) : String((info.image ?? "").prefix(12))
            return (c.name, repo, tag, id, summary?.size ?? 0)
        }
    }

    static func splitTag(_ reference: String) -> (String, String) {
        if let at = reference.firstIndex(of: "@") { return (String(reference[..<at]), "<none>") }
        if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
            return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
        }
        return (reference, "latest")
    }

    /// `top`: each running container's processes.
    public func top(_ services: [String]) throws -> [(container: String, top: ContainerTopResponse)] {
        try serviceContainers(services).filter(\.isUp).map { c in
            (c.name, try client.get(ContainerTopResponse.self, "/containers/\(c.id)/top"))
        }
    }

    /// `port SERVICE PRIVATE_PORT`: the public address, `ip:port`.
    public func port(service: String, privatePort: String, protocol proto: String, index: Int) throws -> String {
        let containers = try serviceContainers([service])
        guard let c = containers.first(where: { ($0.number ?? 1) == index }) else {
            throw BerthError.notFound("service \"\(service)\" has no container #\(index)")
        }
        let info = try client.get(ContainerInspectResponse.self, "/containers/\(c.id)/json")
        let key = privatePort.contains("/") ? privatePort : "\(privatePort)/\(proto)"
        guard let binding = info.networkSettings?.ports?[key]?.first else {
            throw BerthError.notFound("no port \(key) for container \(c.name)")
        }
        return "\(binding.hostIp ?? "0.0.0.0"):\(binding.hostPort ?? "")"
    }

    /// `ls`: every compose project the engine knows, from its containers'
    /// labels: name, `running(2), exited(1)`, config files.
    public static func projects(_ client: EngineClient, all: Bool) throws -> [(name: String, status: String, configFiles: String)] {
        var query = Query()
        query.add("all", "1")
        query.filters(["label": [ComposeLabel.project]])
        let containers = try client.get([ContainerSummary].self, "/containers/json", query: query)
        var byProject: [String: [ContainerSummary]] = [:]
        for c in containers { byProject[c.labels?[ComposeLabel.project] ?? "", default: []].append(c) }
        return byProject.keys.sorted().compactMap { name in
            let members = byProject[name]!
            var counts: [String: Int] = [:]
            for c in members { counts[c.state ?? "unknown", default: 0] += 1 }
            guard all || counts["running"] != nil else { return nil }
            let status = counts.keys.sorted().map { "\($0)(\(counts[$0]!))" }.joined(separator: ", ")
            let files = members.first?.labels?[ComposeLabel.configFiles] ?? ""
            return (name, status, files)
        }
    }
}
