import BerthSystem

/// `up` flags that change the plan.
public struct UpOptions: Sendable {
    /// Services named on the command line; empty means all.
    public var services: [String] = []
    /// `--no-deps`: leave the named services' dependencies alone.
    public var noDeps = false
    /// `--force-recreate` (named services, or all when none are named).
    public var forceRecreate = false
    /// `--no-recreate`: keep existing containers even when they diverged.
    public var noRecreate = false
    /// `--always-recreate-deps`: force-recreate the dependencies too.
    public var alwaysRecreateDeps = false
    /// `--remove-orphans`.
    public var removeOrphans = false
    /// `--scale service=n`.
    public var scale: [String: Int] = [:]
    /// `--no-start`: create only.
    public var noStart = false

    public init() {}
}

/// Computes what `up` and `down` must do to bring the engine from `actual`
/// to the project, as compose's convergence does, without doing it.
public struct ComposePlanner: Sendable {
    public let project: Project
    /// The value of `com.docker.compose.version` on created objects.
    public let version: String

    public init(project: Project, version: String = "2.0.0-berth") {
        self.project = project
        self.version = version
    }

    enum Recreate { case diverged, force, never }

    public func up(actual: ActualState, options: UpOptions = UpOptions()) throws -> ComposePlan {
        var plan = ComposePlan()
        let graph = DependencyGraph(project)
        let order = try graph.order()
        for name in options.services + Array(options.scale.keys) where project.services[name] == nil {
            throw BerthError.notFound("no such service: \(name)")
        }
        let selected: Set<String> = options.services.isEmpty ? Set(order)
            : options.noDeps ? Set(options.services) : graph.closure(of: options.services)
        let mine = actual.containers.filter { $0.project == project.name }

        // Orphans first, as compose removes them before converging.
        let known = Set(project.services.keys).union(project.disabledServices.keys)
        let orphans = mine.filter { !$0.isOneoff && !known.contains($0.service ?? "") }
        if !orphans.isEmpty {
            if options.removeOrphans {
                for c in orphans.sorted(by: { $0.name < $1.name }) {
                    if c.isUp { plan.actions.append(.stopContainer(c.ref)) }
                    plan.actions.append(.removeContainer(c.ref, volumes: false))
                }
            } else {
                plan.warnings.append("Found orphan containers (\(orphans.map(\.name).sorted().joined(separator: ", "))) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.")
            }
        }

        try ensureNetworks(actual, &plan)
        try ensureVolumes(actual, &plan)

        // Converge each service in dependency order; starts come after, in
        // the same order (compose's create then start phases).
        var needsStart: [String: [ContainerRef]] = [:]
        var recreatedServices = Set<String>()
        for name in order where selected.contains(name) {
            let service = project.services[name]!
            let policy: Recreate
            if !options.services.isEmpty && !options.services.contains(name) {
                policy = options.alwaysRecreateDeps ? .force : .diverged
            } else {
                policy = options.forceRecreate ? .force : options.noRecreate ? .never : .diverged
            }
            let hash = service.configHash()
            // A service sharing another's namespaces or volumes follows it
            // when that one is recreated (compose resolves service: to an id).
            let followsRecreated = graph.dependencies[name, default: []].contains { dep in
                recreatedServices.contains(dep) && sharesContainer(service, with: dep)
            }
            func obsolete(_ c: ExistingContainer) -> Bool {
                switch policy {
                case .never: return false
                case .force: return true
                case .diverged: return c.configHash != hash || followsRecreated
                }
            }
            let expected = options.scale[name] ?? service.replicas
            // Up-to-date, low-numbered containers are kept; obsolete and
            // high-numbered ones go first when scaling down.
            let containers = mine.filter { $0.service == name && !$0.isOneoff }.sorted { a, b in
                let oa = obsolete(a), ob = obsolete(b)
                if oa != ob { return !oa }
                return (a.number ?? Int.max) < (b.number ?? Int.max)
            }
            var starts: [ContainerRef] = []
            for (i, c) in containers.enumerated() {
                if i >= expected {
                    if c.isUp { plan.actions.append(.stopContainer(c.ref)) }
                    plan.actions.append(.removeContainer(c.ref, volumes: false))
                    continue
                }
                if obsolete(c) {
                    let number = c.number ?? (i + 1)
                    let spec = containerSpec(name, number)
                    stopRestartDependents(of: name, graph: graph, mine: mine, selected: selected, plan: &plan, needsStart: &needsStart)
                    plan.actions.append(.recreateContainer(old: c.ref, new: spec))
                    recreatedServices.insert(name)
                    starts.append(ContainerRef(service: name, name: spec.name))
                } else if !c.isUp {
                    starts.append(c.ref)
                }
            }
            var next = (containers.compactMap(\.number).max() ?? 0) + 1
            for _ in containers.count..<max(expected, containers.count) {
                let spec = containerSpec(name, next)
                plan.actions.append(.createContainer(spec))
                starts.append(ContainerRef(service: name, name: spec.name))
                next += 1
            }
            needsStart[name, default: []] += starts
        }
        if !options.noStart {
            for name in order {
                var seen = Set<String>()
                for ref in needsStart[name] ?? [] where seen.insert(ref.name).inserted {
                    plan.actions.append(.startContainer(ref))
                }
            }
        }
        return plan
    }

    func containerSpec(_ service: String, _ number: Int) -> ContainerSpec {
        ContainerSpec(service: service, number: number,
                      name: project.containerName(service: service, number: number),
                      labels: project.containerLabels(service: service, number: number, version: version))
    }

    func sharesContainer(_ service: Service, with dep: String) -> Bool {
        let ref = "service:\(dep)"
        return service.networkMode == ref || service.pid == ref || service.ipc == ref
            || service.volumesFrom.contains { $0 == dep || $0.hasPrefix(dep + ":") }
    }

    /// Dependents with `depends_on.<x>.restart: true` are stopped before `x`
    /// is recreated and started again afterwards (compose's
    /// stopDependentContainers).
    func stopRestartDependents(of name: String, graph: DependencyGraph, mine: [ExistingContainer], selected: Set<String>,
                               plan: inout ComposePlan, needsStart: inout [String: [ContainerRef]]) {
        for dependent in graph.dependents(of: name) where project.services[dependent]?.dependsOn[name]?.restart == true {
            for c in mine where c.service == dependent && !c.isOneoff && c.isUp {
                guard !plan.actions.contains(.stopContainer(c.ref)) else { continue }
                plan.actions.append(.stopContainer(c.ref))
                needsStart[dependent, default: []].append(c.ref)
            }
        }
    }

    /// Creates the project's missing networks (external ones must exist).
    public func ensureNetworks(_ actual: ActualState, _ plan: inout ComposePlan) throws {
        for key in project.networks.keys.sorted() {
            let n = project.networks[key]!
            let existing = actual.networks.first { $0.name == n.name }
            if n.external {
                guard existing != nil else {
                    throw BerthError.notFound("network \(n.name) declared as external, but could not be found")
                }
                continue
            }
            guard let existing else {
                plan.actions.append(.createNetwork(key: key, name: n.name, labels: project.networkLabels(key: key, version: version)))
                continue
            }
            if let label = existing.labels[ComposeLabel.network], label != key {
                throw BerthError.conflict("network \(n.name) was found but has incorrect label \(ComposeLabel.network) set to \"\(label)\" (expected: \"\(key)\")")
            }
            if existing.labels[ComposeLabel.project] != project.name {
                plan.warnings.append("a network with name \(n.name) exists but was not created for project \"\(project.name)\". Set `external: true` to use an existing network")
            }
        }
    }

    /// Creates the project's missing volumes (external ones must exist).
    public func ensureVolumes(_ actual: ActualState, _ plan: inout ComposePlan) throws {
        for key in project.volumes.keys.sorted() {
            let v = project.volumes[key]!
            let existing = actual.volumes.first { $0.name == v.name }
            if v.external {
                guard existing != nil else {
                    throw BerthError.notFound("external volume \"\(v.name)\" not found")
                }
                continue
            }
            guard let existing else {
                plan.actions.append(.createVolume(key: key, name: v.name, labels: project.volumeLabels(key: key, version: version)))
                continue
            }
            if let label = existing.labels[ComposeLabel.volume], label != key {
                throw BerthError.conflict("volume \"\(v.name)\" already exists but was created for a different volume \(label)")
            }
            if existing.labels[ComposeLabel.project] != project.name {
                plan.warnings.append("volume \"\(v.name)\" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume")
            }
        }
    }
}
