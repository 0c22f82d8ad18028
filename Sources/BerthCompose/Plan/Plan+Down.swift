/// `down` flags that change the plan.
public struct DownOptions: Sendable {
    /// `-v`: remove named volumes of the project and anonymous ones of its
    /// containers.
    public var removeVolumes = false
    /// `--remove-orphans`: also containers of services no longer in the file
    /// and one-off (`run`) containers.
    public var removeOrphans = false

    public init(removeVolumes: Bool = false, removeOrphans: Bool = false) {
        self.removeVolumes = removeVolumes
        self.removeOrphans = removeOrphans
    }
}

extension ComposePlanner {
    /// Stops containers with dependents first (reverse dependency order),
    /// removes them, then the project's networks and, with `-v`, volumes.
    /// External networks and volumes are never removed.
    public func down(actual: ActualState, options: DownOptions = DownOptions()) throws -> ComposePlan {
        var plan = ComposePlan()
        let order = try DependencyGraph(project).order()
        let known = Set(project.services.keys).union(project.disabledServices.keys)
        let mine = actual.containers.filter { $0.project == project.name }
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let doomed = mine.filter { c in
            let service = c.service ?? ""
            if c.isOneoff || !known.contains(service) { return options.removeOrphans }
            return true
        }.sorted { a, b in
            // Dependents (higher rank) first; unknown services (orphans) before all.
            let ra = rank[a.service ?? ""] ?? Int.max, rb = rank[b.service ?? ""] ?? Int.max
            if ra != rb { return ra > rb }
            return (a.number ?? 0, a.name) > (b.number ?? 0, b.name)
        }
        let orphans = mine.filter { !$0.isOneoff && !known.contains($0.service ?? "") }
        if !orphans.isEmpty && !options.removeOrphans {
            plan.warnings.append("Found orphan containers (\(orphans.map(\.name).sorted().joined(separator: ", "))) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.")
        }
        for c in doomed where c.isUp { plan.actions.append(.stopContainer(c.ref)) }
        for c in doomed { plan.actions.append(.removeContainer(c.ref, volumes: options.removeVolumes)) }
        for key in project.networks.keys.sorted() {
            let n = project.networks[key]!
            if !n.external, actual.networks.contains(where: { $0.name == n.name }) {
                plan.actions.append(.removeNetwork(name: n.name))
            }
        }
        if options.removeVolumes {
            for key in project.volumes.keys.sorted() {
                let v = project.volumes[key]!
                if !v.external, actual.volumes.contains(where: { $0.name == v.name }) {
                    plan.actions.append(.removeVolume(name: v.name))
                }
            }
        }
        return plan
    }
}
