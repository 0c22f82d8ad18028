/// The labels compose puts on what it creates and finds again by; berth
/// uses the same keys so `docker compose` and berth see the same projects.
public enum ComposeLabel {
    public static let project = "com.docker.compose.project"
    public static let service = "com.docker.compose.service"
    public static let containerNumber = "com.docker.compose.container-number"
    public static let oneoff = "com.docker.compose.oneoff"
    public static let configHash = "com.docker.compose.config-hash"
    public static let version = "com.docker.compose.version"
    public static let workingDir = "com.docker.compose.project.working_dir"
    public static let configFiles = "com.docker.compose.project.config_files"
    public static let dependsOn = "com.docker.compose.depends_on"
    public static let network = "com.docker.compose.network"
    public static let volume = "com.docker.compose.volume"
}

extension Project {
    /// `<project>-<service>-<n>` (compose v2), or `container_name`.
    public func containerName(service: String, number: Int) -> String {
        services[service]?.containerName ?? "\(name)-\(service)-\(number)"
    }

    /// The labels of a service's container: the service's own labels, then
    /// compose's (which win).
    public func containerLabels(service: String, number: Int, version: String) -> [String: String] {
        guard let s = services[service] else { return [:] }
        var labels = s.labels
        labels[ComposeLabel.project] = name
        labels[ComposeLabel.service] = service
        labels[ComposeLabel.containerNumber] = String(number)
        labels[ComposeLabel.oneoff] = "False"
        labels[ComposeLabel.configHash] = s.configHash()
        labels[ComposeLabel.version] = version
        labels[ComposeLabel.workingDir] = workingDir
        labels[ComposeLabel.configFiles] = configFiles.joined(separator: ",")
        // "db:service_healthy:false,cache:service_started:true", as compose writes it.
        labels[ComposeLabel.dependsOn] = s.dependsOn.keys.sorted().map { dep in
            let d = s.dependsOn[dep]!
            return "\(dep):\(d.condition.rawValue):\(d.restart)"
        }.joined(separator: ",")
        return labels
    }

    public func networkLabels(key: String, version: String) -> [String: String] {
        var labels = networks[key]?.labels ?? [:]
        labels[ComposeLabel.project] = name
        labels[ComposeLabel.network] = key
        labels[ComposeLabel.version] = version
        return labels
    }

    public func volumeLabels(key: String, version: String) -> [String: String] {
        var labels = volumes[key]?.labels ?? [:]
        labels[ComposeLabel.project] = name
        labels[ComposeLabel.volume] = key
        labels[ComposeLabel.version] = version
        return labels
    }
}
