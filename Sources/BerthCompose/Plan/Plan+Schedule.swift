/// Which actions of a plan may run at the same time, as docker compose v2
/// runs them: a service's containers together, services with no unmet
/// dependency together, dependents stopped and removed before what they
/// need, networks and volumes removed after every container.
extension ComposePlan {
    /// For each action, the indices of the earlier actions that must finish
    /// before it starts. Only earlier actions are named, so running the
    /// actions in plan order always satisfies it, and it has no cycle.
    ///
    /// - networks and volumes are created before any container is created or
    ///   started, and removed after every container action;
    /// - a container is created after its service's dependencies' containers
    ///   (so `network_mode: service:x` finds x's) and after every stop or
    ///   removal planned before it (orphans, scale-down, dependents that
    ///   `restart: true` stops);
    /// - a container starts after its own creation, its service's
    ///   dependencies' creations and starts, and every earlier stop or removal;
    /// - a container stops after its dependents' containers stopped, and is
    ///   removed after it stopped and its dependents' containers are removed;
    /// - two actions on the same container keep their order.
    public func prerequisites(_ graph: DependencyGraph) -> [[Int]] {
        let facts = actions.map(Facts.init)
        return facts.indices.map { i in
            let a = facts[i]
            let needs = graph.dependencies[a.service ?? ""] ?? []
            /// `service` needs a's service: one of its dependents.
            let needed = { (service: String?) in service.map { graph.dependencies[$0]?.contains(a.service ?? "") == true } ?? false }
            return facts.indices.prefix(i).filter { j in
                let b = facts[j]
                if !a.containers.isDisjoint(with: b.containers) { return true }
                switch (a.kind, b.kind) {
                case (.create, .createObject), (.start, .createObject): return true
                case (.create, .stop), (.create, .remove), (.start, .stop), (.start, .remove): return true
                case (.create, .create): return b.service.map(needs.contains) ?? false
                case (.start, .create), (.start, .start): return b.service.map(needs.contains) ?? false
                case (.stop, .stop): return needed(b.service)
                case (.remove, .stop), (.remove, .remove): return needed(b.service)
                case (.removeObject, .create), (.removeObject, .start), (.removeObject, .stop), (.removeObject, .remove): return true
                default: return false
                }
            }
        }
    }

    /// What the scheduling rules need to know of one action.
    private struct Facts {
        enum Kind { case createObject, create, start, stop, remove, removeObject }
        var kind: Kind
        var service: String?
        /// The names and ids the action touches.
        var containers: Set<String> = []

        init(_ action: ComposeAction) {
            switch action {
            case .createNetwork, .createVolume:
                kind = .createObject
            case .createContainer(let spec):
                kind = .create
                service = spec.service
                containers = [spec.name]
            case .recreateContainer(let old, let new):
                kind = .create
                service = new.service
                containers = Self.names(old).union([new.name])
            case .startContainer(let ref):
                kind = .start
                service = ref.service
                containers = Self.names(ref)
            case .stopContainer(let ref):
                kind = .stop
                service = ref.service
                containers = Self.names(ref)
            case .removeContainer(let ref, _):
                kind = .remove
                service = ref.service
                containers = Self.names(ref)
            case .removeNetwork, .removeVolume:
                kind = .removeObject
            }
        }

        static func names(_ ref: ContainerRef) -> Set<String> {
            var names: Set<String> = [ref.name]
            if let id = ref.id { names.insert(id) }
            return names
        }
    }
}
