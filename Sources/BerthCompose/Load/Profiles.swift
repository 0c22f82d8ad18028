import BerthSystem

/// Profiles as compose applies them: a service without `profiles` is always
/// active, one with profiles only when one of them is selected (`*` selects
/// all) or when it is named on the command line. Services named on the
/// command line bring their dependencies; otherwise depending on a disabled
/// service is an error (unless `required: false`, which drops the edge).
enum Profiles {
    static func apply(to project: inout Project, profiles: [String], targeted: [String]) throws {
        let all = project.services
        for name in targeted where all[name] == nil {
            throw BerthError.notFound("no such service: \(name)")
        }
        let selected = Set(profiles)
        func enabledByProfile(_ s: Service) -> Bool {
            s.profiles.isEmpty || selected.contains("*") || s.profiles.contains(where: selected.contains)
        }
        var active = Set(all.filter { enabledByProfile($0.value) }.map(\.key))
        if !targeted.isEmpty {
            // `up web` enables web and what web needs, whatever the profiles.
            var queue = targeted
            while let name = queue.popLast() {
                guard active.insert(name).inserted || targeted.contains(name) else { continue }
                for (dep, d) in all[name]?.dependsOn ?? [:] where d.required && all[dep] != nil && !active.contains(dep) {
                    queue.append(dep)
                }
            }
        }
        for name in active.sorted() {
            guard var service = all[name] else { continue }
            for (dep, d) in service.dependsOn where !active.contains(dep) {
                if !d.required { service.dependsOn[dep] = nil; continue }
                if let disabled = all[dep] {
                    throw BerthError.invalidArgument("service \"\(dep)\" is required by \"\(name)\" but is disabled; enable it with --profile \(disabled.profiles.joined(separator: " or --profile "))")
                }
                throw BerthError.invalidArgument("services.\(name).depends_on: service \"\(name)\" depends on undefined service \"\(dep)\"")
            }
            project.services[name] = service
        }
        for name in all.keys where !active.contains(name) {
            project.disabledServices[name] = all[name]
            project.services[name] = nil
        }
        attachDefaultNetwork(&project)
        dropUnused(&project)
    }

    /// A service with neither `networks` nor `network_mode` joins `default`,
    /// which compose defines as `<project>_default` unless the file does.
    static func attachDefaultNetwork(_ project: inout Project) {
        for name in project.services.keys {
            guard var s = project.services[name], s.networks.isEmpty, s.networkMode == nil else { continue }
            s.networks["default"] = ServiceNetwork()
            project.services[name] = s
            if project.networks["default"] == nil {
                project.networks["default"] = NetworkConfig(name: "\(project.name)_default")
            }
        }
    }

    /// Networks, volumes, secrets and configs no active service uses are left
    /// out, as compose's WithoutUnnecessaryResources does.
    static func dropUnused(_ project: inout Project) {
        let services = project.services.values
        let networks = Set(services.flatMap(\.networks.keys))
        let volumes = Set(services.flatMap { $0.volumes.filter { $0.type == "volume" }.compactMap(\.source) })
        let secrets = Set(services.flatMap { $0.secrets.map(\.source) })
        let configs = Set(services.flatMap { $0.configs.map(\.source) })
        project.networks = project.networks.filter { networks.contains($0.key) }
        project.volumes = project.volumes.filter { volumes.contains($0.key) }
        project.secrets = project.secrets.filter { secrets.contains($0.key) }
        project.configs = project.configs.filter { configs.contains($0.key) }
    }
}
