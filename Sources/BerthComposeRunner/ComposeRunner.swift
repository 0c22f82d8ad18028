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

/// Carries out compose plans through the Engine API only (so it works
/// against berth's daemon and dockerd alike): reads the project's actual
/// state by its labels, asks `ComposePlanner` what to do, and does it,
/// printing compose's progress lines (`Container web-db-db-1  Started`) to
/// stderr.
///
/// Set `progress` and `buildContext` before running commands: the commands
/// run their requests on threads of their own (`ConcurrentSteps`), and call
/// `progress` from them, one line at a time.
public final class ComposeRunner: @unchecked Sendable {
    public let client: EngineClient
    public let project: Project
    public let planner: ComposePlanner
    /// Where progress lines go (stderr by default).
    public var progress: (String) -> Void = { line in ComposeRunner.write(2, Array((line + "\n").utf8)) }
    private let outputLock = Lock()
    /// Makes build contexts (`build`, `up --build`).
    public var buildContext: BuildContextProvider = { directory, _ in
        throw BerthError.invalidArgument("no build context provider for \(directory)")
    }

    public init(client: EngineClient, project: Project, version: String) {
        self.client = client
        self.project = project
        self.planner = ComposePlanner(project: project, version: version)
    }

    // MARK: - actual state

    /// The project's containers (all states, one-off included), and the
    /// engine's networks and volumes (three requests at the same time).
    public func actualState() throws -> ActualState {
        let state = Shared(ActualState())
        try ConcurrentSteps.run(prerequisites: [[], [], []]) { [self] step in
            switch step {
            case 0:
                let containers = try projectContainers()
                state.withLock { $0.containers = containers }
            case 1:
                let networks = try client.get([Network].self, "/networks").map {
                    ExistingObject(name: $0.name ?? "", id: $0.id, labels: $0.labels ?? [:])
                }
                state.withLock { $0.networks = networks }
            default:
                let volumes = (try client.get(VolumeListResponse.self, "/volumes").volumes ?? []).map {
                    ExistingObject(name: $0.name ?? "", labels: $0.labels ?? [:])
                }
                state.withLock { $0.volumes = volumes }
            }
        }
        return state.withLock { $0 }
    }

    /// Containers labelled with this project (`label=com.docker.compose.project=P`).
    public func projectContainers(oneoff: Bool? = nil) throws -> [ExistingContainer] {
        var labels = ["\(ComposeLabel.project)=\(project.name)"]
        if let oneoff { labels.append("\(ComposeLabel.oneoff)=\(oneoff ? "True" : "False")") }
        var query = Query()
        query.add("all", "1")
        query.filters(["label": labels])
        return try client.get([ContainerSummary].self, "/containers/json", query: query).map(Self.existing)
    }

    static func existing(_ s: ContainerSummary) -> ExistingContainer {
        let name = (s.names?.first).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? ""
        return ExistingContainer(id: s.id ?? "", name: name, labels: s.labels ?? [:],
                                 state: ExistingContainer.State(rawValue: s.state ?? "") ?? .exited)
    }

    /// The project's service containers, sorted by service then number,
    /// limited to `services` when it is not empty.
    public func serviceContainers(_ services: [String] = [], oneoff: Bool = false) throws -> [ExistingContainer] {
        for name in services where project.services[name] == nil && project.disabledServices[name] == nil {
            throw BerthError.notFound("no such service: \(name)")
        }
        return try projectContainers(oneoff: oneoff)
            .filter { services.isEmpty || services.contains($0.service ?? "") }
            .sorted { ($0.service ?? "", $0.number ?? 0, $0.name) < ($1.service ?? "", $1.number ?? 0, $1.name) }
    }

    // MARK: - executing a plan

    /// Runs `plan`'s actions, each as soon as the actions it needs are done
    /// (`ComposePlan.prerequisites`): a service's containers at the same
    /// time, independent services at the same time. Before a service's
    /// first container starts, its `depends_on` conditions are awaited.
    /// `stopTimeout` overrides each service's `stop_grace_period`.
    public func execute(_ plan: ComposePlan, stopTimeout: Int? = nil) throws {
        for warning in plan.warnings { report("WARN[0000] \(warning)") }
        let run = PlanRun(stopTimeout: stopTimeout)
        let actions = plan.actions
        try ConcurrentSteps.run(prerequisites: plan.prerequisites(DependencyGraph(project))) { [self] i in
            try perform(actions[i], run)
        }
    }

    /// What the actions of one `execute` share.
    final class PlanRun: Sendable {
        /// Container name → id, for containers created by this run.
        let ids = Shared<[String: String]>([:])
        /// Services whose dependencies were awaited.
        let awaited = OncePerKey()
        let stopTimeout: Int?
        init(stopTimeout: Int?) { self.stopTimeout = stopTimeout }
    }

    func perform(_ action: ComposeAction, _ run: PlanRun) throws {
        switch action {
        case .createNetwork(let key, let name, let labels):
            try createNetwork(key: key, name: name, labels: labels)
        case .createVolume(let key, let name, let labels):
            try createVolume(key: key, name: name, labels: labels)
        case .createContainer(let spec):
            let id = try createContainer(spec, name: spec.name)
            run.ids.withLock { $0[spec.name] = id }
        case .recreateContainer(let old, let new):
            report(" Container \(old.name)  Recreate")
            // compose's recreateContainer: the new one under a temporary
            // name, the old one stopped and removed, then the rename.
            let temporary = "\(String((old.id ?? "").prefix(12)))_\(new.name)"
            let id = try createContainer(new, name: temporary, quiet: true)
            try stop(old, timeout: run.stopTimeout, quiet: true)
            try client.delete("/containers/\(old.id ?? old.name)", query: ["force": "1"])
            try client.post("/containers/\(id)/rename", query: ["name": new.name])
            run.ids.withLock { $0[new.name] = id }
            report(" Container \(new.name)  Recreated")
        case .startContainer(let ref):
            try run.awaited.run(ref.service) { try awaitDependencies(of: ref.service) }
            let id = ref.id ?? run.ids.withLock { $0[ref.name] } ?? ref.name
            report(" Container \(ref.name)  Starting")
            try client.post("/containers/\(id)/start")
            report(" Container \(ref.name)  Started")
        case .stopContainer(let ref):
            try stop(ref, timeout: run.stopTimeout)
        case .removeContainer(let ref, let volumes):
            report(" Container \(ref.name)  Removing")
            var query: Query = ["force": "1"]
            query.flag("v", volumes)
            try client.delete("/containers/\(ref.id ?? ref.name)", query: query)
            report(" Container \(ref.name)  Removed")
        case .removeNetwork(let name):
            report(" Network \(name)  Removing")
            try client.delete("/networks/\(Query.pathSegment(name))")
            report(" Network \(name)  Removed")
        case .removeVolume(let name):
            report(" Volume \(name)  Removing")
            try client.delete("/volumes/\(Query.pathSegment(name))")
            report(" Volume \(name)  Removed")
        }
    }

    func stop(_ ref: ContainerRef, timeout: Int? = nil, quiet: Bool = false) throws {
        if !quiet { report(" Container \(ref.name)  Stopping") }
        var query = Query()
        query.add("t", timeout ?? project.services[ref.service]?.stopGracePeriod.map { Int($0.nanoseconds / 1_000_000_000) })
        try client.post("/containers/\(ref.id ?? ref.name)/stop", query: query)
        if !quiet { report(" Container \(ref.name)  Stopped") }
    }

    /// Writes one progress line; lines of concurrent actions never mix.
    func report(_ line: String) {
        outputLock.withLock { progress(line) }
    }

    func createNetwork(key: String, name: String, labels: [String: String]) throws {
        let n = project.networks[key] ?? NetworkConfig(name: name)
        var body = NetworkCreateRequest()
        body.name = name
        body.driver = n.driver ?? "bridge"
        body.`internal` = n.`internal` ? true : nil
        body.attachable = n.attachable ? true : nil
        body.enableIPv6 = n.enableIpv6
        body.options = n.driverOpts.isEmpty ? nil : n.driverOpts
        body.labels = labels
        if let ipam = n.ipam {
            body.ipam = IPAM(driver: ipam.driver, config: ipam.config.map {
                IPAMConfig(subnet: $0.subnet, ipRange: $0.ipRange, gateway: $0.gateway,
                           auxiliaryAddresses: $0.auxAddresses.isEmpty ? nil : $0.auxAddresses)
            }, options: ipam.options.isEmpty ? nil : ipam.options)
        }
        report(" Network \(name)  Creating")
        try client.post("/networks/create", json: body)
        report(" Network \(name)  Created")
    }

    func createVolume(key: String, name: String, labels: [String: String]) throws {
        let v = project.volumes[key] ?? VolumeConfig(name: name)
        var body = VolumeCreateOptions()
        body.name = name
        body.driver = v.driver ?? "local"
        body.driverOpts = v.driverOpts.isEmpty ? nil : v.driverOpts
        body.labels = labels
        report(" Volume \"\(name)\"  Creating")
        try client.post("/volumes/create", json: body)
        report(" Volume \"\(name)\"  Created")
    }

    /// Creates a container of `spec` and connects its other networks.
    @discardableResult
    func createContainer(_ spec: ContainerSpec, name: String, oneoff: Bool = false, quiet: Bool = false,
                         adjust: (inout ContainerCreateRequest) -> Void = { _ in }) throws -> String {
        var request = ContainerRequest(project: project)
        // Only `service:x` modes, links and volumes_from ask for x's container.
        var running: [ExistingContainer]?
        request.containerOf = { [self] service in
            if running == nil { running = (try? projectContainers(oneoff: false)) ?? [] }
            return running!.filter { $0.service == service }.sorted { ($0.number ?? 0) < ($1.number ?? 0) }.first?.id
        }
        var body = try request.create(spec, oneoff: oneoff)
        adjust(&body)
        if !quiet { report(" Container \(name)  Creating") }
        let created = try client.post(ContainerCreateResponse.self, "/containers/create", query: ["name": name], json: body)
        for extra in request.endpoints(spec.service, oneoff: oneoff).dropFirst() {
            try client.post("/networks/\(Query.pathSegment(extra.network))/connect",
                            json: NetworkConnectRequest(container: created.id, endpointConfig: extra.settings))
        }
        if !quiet { report(" Container \(name)  Created") }
        return created.id ?? name
    }

    // MARK: - waiting

    /// Waits for the conditions `service` has on its dependencies
    /// (compose's waitDependencies): healthy, or exited with 0.
    func awaitDependencies(of service: String) throws {
        guard let s = project.services[service] else { return }
        for dep in s.dependsOn.keys.sorted() where project.services[dep] != nil {
            let condition = s.dependsOn[dep]!.condition
            guard condition != .serviceStarted else { continue }
            for c in try serviceContainers([dep]) {
                try awaitContainer(c, condition: condition)
            }
        }
    }

    /// Polls the container until it satisfies `condition`; an unhealthy or
    /// failed dependency is an error naming it.
    public func awaitContainer(_ c: ExistingContainer, condition: DependencyCondition) throws {
        if condition == .serviceHealthy { report(" Container \(c.name)  Waiting") }
        while true {
            let info = try client.get(ContainerInspectResponse.self, "/containers/\(c.id)/json")
            let state = info.state
            switch condition {
            case .serviceStarted:
                return
            case .serviceHealthy:
                guard let health = state?.health?.status else {
                    throw BerthError.invalidArgument("container \(c.name) has no healthcheck configured")
                }
                if health == "healthy" { report(" Container \(c.name)  Healthy"); return }
                if health == "unhealthy" { throw BerthError.unavailable("dependency failed to start: container \(c.name) is unhealthy") }
                if state?.running != true { throw BerthError.unavailable("dependency failed to start: container \(c.name) exited (\(state?.exitCode ?? 0))") }
            case .serviceCompletedSuccessfully:
                if state?.running != true && state?.status != "created" {
                    guard state?.exitCode == 0 else {
                        throw BerthError.unavailable("service \"\(c.service ?? "")\" didn't complete successfully: exit \(state?.exitCode ?? 0)")
                    }
                    return
                }
            }
            usleep(100_000)
        }
    }

    // MARK: - up and down

    /// `up`: converge, then with `wait` block until every service's
    /// containers are running (healthy when they have a health check),
    /// watching them all at the same time.
    public func up(_ options: UpOptions, wait: Bool = false) throws {
        let plan = try planner.up(actual: actualState(), options: options)
        try execute(plan)
        guard wait else { return }
        let containers = try serviceContainers(options.services)
        try ConcurrentSteps.run(prerequisites: containers.map { _ in [] }) { [self] i in
            let c = containers[i]
            let info = try client.get(ContainerInspectResponse.self, "/containers/\(c.id)/json")
            try awaitContainer(c, condition: info.state?.health == nil ? .serviceStarted : .serviceHealthy)
        }
    }

    /// `down`: stop and remove containers, the project's networks, and with
    /// `removeVolumes` its volumes; `removeImages` "all" or "local" removes
    /// images too.
    public func down(_ options: DownOptions, removeImages: String? = nil) throws {
        let plan = try planner.down(actual: actualState(), options: options)
        try execute(plan)
        guard let removeImages else { return }
        guard removeImages == "all" || removeImages == "local" else {
            throw BerthError.invalidArgument("invalid --rmi value \"\(removeImages)\" (all or local)")
        }
        var images = Set<String>()
        for name in project.serviceNames {
            let s = project.services[name]!
            if removeImages == "all" || s.image == nil { images.insert(ContainerRequest(project: project).imageName(name)) }
        }
        for image in images.sorted() {
            report(" Image \(image)  Removing")
            do {
                try client.delete("/images/\(Query.pathSegment(image))")
                report(" Image \(image)  Removed")
            } catch let error as APIError where error.status == 404 {
                continue
            }
        }
    }
}
