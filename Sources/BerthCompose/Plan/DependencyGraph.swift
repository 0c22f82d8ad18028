import BerthSystem

/// Which service needs which: `depends_on`, plus the implicit edges compose
/// adds for `network_mode: service:x`, `volumes_from`, `links` and
/// `pid`/`ipc: service:x`.
public struct DependencyGraph: Sendable {
    /// service → the services it needs (only services of the project).
    public let dependencies: [String: Set<String>]

    public init(_ project: Project) {
        var deps: [String: Set<String>] = [:]
        for (name, s) in project.services {
            var needs = Set(s.dependsOn.keys)
            for mode in [s.networkMode, s.pid, s.ipc].compactMap({ $0 }) where mode.hasPrefix("service:") {
                needs.insert(String(mode.dropFirst("service:".count)))
            }
            for from in s.volumesFrom where !from.hasPrefix("container:") {
                needs.insert(from.split(separator: ":").first.map(String.init) ?? from)
            }
            for link in s.links {
                needs.insert(link.split(separator: ":").first.map(String.init) ?? link)
            }
            deps[name] = needs.filter { project.services[$0] != nil }
        }
        dependencies = deps
    }

    /// Services with their dependencies first; ties broken by name so the
    /// order is stable. A cycle is an error naming it.
    public func order() throws -> [String] {
        var remaining = dependencies
        var done: [String] = []
        var doneSet = Set<String>()
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isSubset(of: doneSet) }.keys.sorted()
            guard !ready.isEmpty else {
                throw BerthError.invalidArgument("dependency cycle detected: \(findCycle(Set(remaining.keys)).joined(separator: " -> "))")
            }
            for name in ready {
                done.append(name)
                doneSet.insert(name)
                remaining[name] = nil
            }
        }
        return done
    }

    /// `names` and everything they need, transitively.
    public func closure(of names: some Sequence<String>) -> Set<String> {
        var out = Set<String>()
        var queue = Array(names)
        while let n = queue.popLast() {
            guard out.insert(n).inserted else { continue }
            queue += dependencies[n] ?? []
        }
        return out
    }

    /// Services that need `name`, directly.
    public func dependents(of name: String) -> [String] {
        dependencies.filter { $0.value.contains(name) }.keys.sorted()
    }

    /// One cycle among `nodes`, as a path that returns to its start.
    private func findCycle(_ nodes: Set<String>) -> [String] {
        for start in nodes.sorted() {
            var path = [start]
            var visited = Set([start])
            var current = start
            while let next = (dependencies[current] ?? []).filter(nodes.contains).sorted().first {
                if let at = path.firstIndex(of: next) { return Array(path[at...]) + [next] }
                guard visited.insert(next).inserted else { break }
                path.append(next)
                current = next
            }
        }
        return nodes.sorted()
    }
}
