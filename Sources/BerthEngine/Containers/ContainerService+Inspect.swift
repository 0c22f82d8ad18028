import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ContainerService {
    func inspect(_ name: String) throws -> ContainerInspectResponse {
        let record = try lookup(name)
        var r = ContainerInspectResponse()
        r.id = record.id
        r.created = record.created
        r.path = record.path
        r.args = record.args
        var state = ContainerState()
        state.status = record.stateWord
        state.running = record.status == .running || record.status == .paused
        state.paused = record.status == .paused
        state.restarting = record.status == .restarting
        state.oomKilled = record.oomKilled
        state.dead = record.status == .dead
        state.pid = record.pid
        state.exitCode = record.exitCode
        state.error = record.error
        state.startedAt = record.startedAt
        state.finishedAt = record.finishedAt
        state.health = health[record.id]
        r.state = state
        r.image = record.imageID
        let directory = paths.container(record.id)
        r.resolvConfPath = directory + "/resolv.conf"
        r.hostnamePath = directory + "/hostname"
        r.hostsPath = directory + "/hosts"
        r.logPath = record.hostConfig.logConfig?.type == "none" ? "" : paths.log(record.id)
        r.name = "/" + record.name
        r.restartCount = record.restartCount
        r.driver = "overlay2"
        r.platform = "linux"
        r.mountLabel = ""
        r.processLabel = ""
        r.appArmorProfile = ""
        r.execIDs = record.execIDs.isEmpty ? nil : record.execIDs
        r.hostConfig = record.hostConfig
        r.graphDriver = DriverData(name: "overlay2", data: graphData(record.id))
        r.mounts = volumes?.mountPoints(containerID: record.id) ?? []
        r.config = record.config
        r.networkSettings = networkSettings(record)
        return r
    }

    /// The overlay directories, as docker's GraphDriver.Data.
    func graphData(_ id: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: paths.container(id) + "/rootfs-mounts.json"),
              let mounts = try? JSONDecoder().decode([BerthStore.Mount].self, from: data), let overlay = mounts.first else { return [:] }
        var result = ["MergedDir": paths.rootfs(id)]
        if let upper = overlay.upperDirectory { result["UpperDir"] = upper }
        let lower = overlay.lowerDirectories
        if !lower.isEmpty { result["LowerDir"] = lower.joined(separator: ":") }
        if let work = overlay.options.first(where: { $0.hasPrefix("workdir=") }) { result["WorkDir"] = String(work.dropFirst(8)) }
        return result
    }

    func networkSettings(_ record: ContainerRecord) -> NetworkSettings {
        if let network {
            return network.networkSettings(containerID: record.id, exposed: (record.config.exposedPorts ?? [:]).keys.sorted())
        }
        var settings = NetworkSettings()
        settings.bridge = ""
        settings.sandboxID = ""
        settings.sandboxKey = ""
        settings.ports = [:]
        settings.ipAddress = ""
        settings.gateway = ""
        settings.macAddress = ""
        settings.networks = [:]
        return settings
    }

    static let listFilters: Set<String> = ["ancestor", "before", "expose", "exited", "health", "id", "isolation",
                                           "is-task", "label", "name", "network", "publish", "since", "status", "volume"]

    func list(_ options: ContainerListOptions) throws -> [ContainerSummary] {
        let filters = options.filters
        try filters.validate(allowed: Self.listFilters)
        for status in filters.values("status") where !["created", "restarting", "running", "removing", "paused", "exited", "dead"].contains(status) {
            throw BerthError.invalidArgument("invalid filter 'status=\(status)'")
        }
        var sorted = records.values.sorted { $0.created > $1.created }
        // before/since name a container; keep those created before / after it.
        if let before = filters.values("before").first {
            let pivot = try lookup(before)
            sorted = sorted.filter { $0.created < pivot.created }
        }
        if let since = filters.values("since").first {
            let pivot = try lookup(since)
            sorted = sorted.filter { $0.created > pivot.created }
        }
        let all = options.all || !filters.values("status").isEmpty || filters.contains("exited")
        var result: [ContainerSummary] = []
        for record in sorted {
            if !all && !record.isRunning { continue }
            if filters.contains("id") && !filters.values("id").contains(where: { record.id.hasPrefix($0) }) { continue }
            if filters.contains("name") && !filters.values("name").contains(where: { record.name.contains($0.hasPrefix("/") ? String($0.dropFirst()) : $0) }) { continue }
            if !filters.exactMatch("status", record.stateWord) { continue }
            if filters.contains("exited") {
                guard record.status == .exited, record.hasBeenStarted, filters.values("exited").contains(String(record.exitCode)) else { continue }
            }
            if !filters.matchLabels(record.config.labels ?? [:]) { continue }
            if !filters.exactMatch("health", health[record.id]?.status ?? "none") { continue }
            if filters.contains("ancestor") {
                let ok = filters.values("ancestor").contains { ancestor in
                    ancestor == record.image || ancestor == record.imageID || record.imageID.dropFirst(7).hasPrefix(ancestor)
                        || DirectoryImages.normalize(ancestor) == DirectoryImages.normalize(record.image)
                }
                if !ok { continue }
            }
            var entry = summary(record)
            if options.size { entry.sizeRw = writableLayerSize(record.id) }
            result.append(entry)
            if let limit = options.limit, limit > 0, result.count >= limit { break }
        }
        return result
    }

    func summary(_ record: ContainerRecord) -> ContainerSummary {
        var s = ContainerSummary()
        s.id = record.id
        s.names = ["/" + record.name]
        s.image = record.image
        s.imageID = record.imageID
        s.command = ([record.path] + record.args).joined(separator: " ")
        s.created = Timestamp.unixSeconds(of: record.created)
        s.ports = []
        s.labels = record.config.labels ?? [:]
        s.state = record.stateWord
        s.status = record.humanStatus() + (record.status == .running ? healthSuffix(record.id) : "")
        s.hostConfig = .init(networkMode: record.hostConfig.networkMode ?? "bridge", annotations: nil)
        s.networkSettings = .init(networks: [:])
        s.mounts = volumes?.mountPoints(containerID: record.id) ?? []
        if let network {
            let (ports, networks) = network.summary(containerID: record.id)
            s.ports = ports
            s.networkSettings = .init(networks: Dictionary(networks.map { ($0, EndpointSettings()) }, uniquingKeysWith: { a, _ in a }))
        }
        return s
    }

    /// `docker top`: `ps` on the host, keeping the rows of the container's
    /// processes (moby's `ContainerTop`), found in its cgroup.
    func top(_ name: String, psArgs: String) async throws -> ContainerTopResponse {
        let record = try lookup(name)
        guard record.isRunning else { throw BerthError.conflict("Container \(record.id) is not running") }
        let pids = Set(containerPids(record.id))
        let args = psArgs.isEmpty ? ["-ef"] : psArgs.split(separator: " ").map(String.init)
        let output = try await Spawn.run(["/bin/ps"] + args)
        guard output.status == 0 else { throw BerthError.internalError("Error running ps: \(output.stderrText)") }
        let lines = output.stdoutText.split(separator: "\n").map(String.init)
        guard let header = lines.first else { return ContainerTopResponse(titles: [], processes: []) }
        let titles = header.split(separator: " ").map(String.init)
        guard let pidColumn = titles.firstIndex(of: "PID") else {
            throw BerthError.invalidArgument("Couldn't find PID field in ps output")
        }
        var processes: [[String]] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ", maxSplits: titles.count - 1).map(String.init)
            guard fields.count > pidColumn, let pid = Int(fields[pidColumn]), pids.contains(pid) else { continue }
            processes.append(fields)
        }
        emit("top", record)
        return ContainerTopResponse(titles: titles, processes: processes)
    }

    /// The pids in the container's cgroup (v2 unified or a v1 controller).
    func containerPids(_ id: String) -> [Int] {
        for base in ["/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu"] {
            let path = "\(base)\(cgroupParent)/\(id)/cgroup.procs"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                return text.split(separator: "\n").compactMap { Int($0) }
            }
        }
        return []
    }
}
