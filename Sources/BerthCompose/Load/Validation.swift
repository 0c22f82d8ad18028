import BerthSystem

/// The consistency checks compose-go runs after loading: every reference
/// names something defined, container names are not shared by replicas, and
/// `depends_on` has no cycle.
enum Validation {
    static func check(_ project: Project) throws {
        for name in project.serviceNames {
            let s = project.services[name]!
            let path = "services.\(name)"
            for network in s.networks.keys where project.networks[network] == nil {
                throw BerthError.invalidArgument("\(path).networks: service \"\(name)\" refers to undefined network \(network)")
            }
            for v in s.volumes where v.type == "volume" {
                if let source = v.source, project.volumes[source] == nil {
                    throw BerthError.invalidArgument("\(path).volumes: service \"\(name)\" refers to undefined volume \(source)")
                }
            }
            for r in s.secrets where project.secrets[r.source] == nil {
                throw BerthError.invalidArgument("\(path).secrets: service \"\(name)\" refers to undefined secret \(r.source)")
            }
            for r in s.configs where project.configs[r.source] == nil {
                throw BerthError.invalidArgument("\(path).configs: service \"\(name)\" refers to undefined config \(r.source)")
            }
            if let mode = s.networkMode {
                if mode.hasPrefix("service:") {
                    let other = String(mode.dropFirst("service:".count))
                    guard project.services[other] != nil else {
                        throw BerthError.invalidArgument("\(path).network_mode: service \"\(other)\" not found for network_mode \(mode)")
                    }
                }
                if !s.networks.isEmpty {
                    throw BerthError.invalidArgument("\(path): network_mode and networks cannot be combined")
                }
            }
            for from in s.volumesFrom {
                let ref = from.split(separator: ":").first.map(String.init) ?? from
                if ref.hasPrefix("container:") { continue }
                guard project.services[ref] != nil else {
                    throw BerthError.invalidArgument("\(path).volumes_from: service \"\(ref)\" not found")
                }
            }
            if s.containerName != nil && s.replicas > 1 {
                throw BerthError.invalidArgument("\(path): container_name \"\(s.containerName!)\" cannot be shared by \(s.replicas) replicas")
            }
        }
        _ = try DependencyGraph(project).order()
    }
}
