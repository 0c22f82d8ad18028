import BerthAPIModel
import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ContainerService {
    /// moby's valid container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func validName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 2, let first = bytes.first else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        return alnum(first) && bytes.dropFirst().allSatisfy { alnum($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }

    func create(_ request: ContainerCreateRequest, options: ContainerCreateOptions) async throws -> ContainerCreateResponse {
        guard let imageName = request.image, !imageName.isEmpty else {
            throw BerthError.invalidArgument("config cannot be empty in order to create a container")
        }
        var name = options.name ?? ""
        if name.hasPrefix("/") { name.removeFirst() }
        if !name.isEmpty {
            guard Self.validName(name) else {
                throw BerthError.invalidArgument("Invalid container name (\(name)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            }
            if let other = records.values.first(where: { $0.name == name }) {
                throw BerthError.conflict("Conflict. The container name \"/\(name)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
        }
        var host = request.hostConfig ?? HostConfig()
        try Self.validate(host)
        if host.`init` == true, !runtime.isBerth {
            throw BerthError.invalidArgument("--init needs berth's own runtime (berth runtime); the configured runtime \(runtime.command.joined(separator: " ")) has no init")
        }
        var clock = PhaseClock()
        let image = try await images.resolve(imageName)
        let id = Self.newID()
        clock.mark("resolve")
        if name.isEmpty { name = Names.generate { candidate in !records.values.contains { $0.name == candidate } } }

        var config = Self.containerConfig(request)
        Self.merge(image: image.config.config, into: &config)
        guard let first = (config.entrypoint ?? []) .first ?? config.cmd?.first else {
            throw BerthError.invalidArgument("no command specified")
        }
        let argv = (config.entrypoint ?? []) + (config.cmd ?? [])
        _ = first
        if config.hostname == nil || config.hostname == "" { config.hostname = String(id.prefix(12)) }
        config.image = imageName
        if host.networkMode == nil || host.networkMode == "" || host.networkMode == "default" { host.networkMode = "bridge" }
        if host.logConfig == nil { host.logConfig = HostConfig.LogConfig(type: "json-file", config: defaultLogOptions) }
        if host.restartPolicy == nil { host.restartPolicy = RestartPolicy(name: "no", maximumRetryCount: 0) }

        var record = ContainerRecord(id: id, name: name, created: Timestamp.now(), image: imageName, imageID: image.id,
                                     path: argv[0], args: Array(argv.dropFirst()), config: config, hostConfig: host)
        let directory = paths.container(id)
        try FileManager.default.createDirectory(atPath: paths.bundle(id) + "/rootfs", withIntermediateDirectories: true)
        do {
            let mounts = try await images.prepareRootfs(key: "container-\(id)", imageID: image.id)
            try DurableFile.write(directory + "/rootfs-mounts.json", Array(JSONEncoder().encode(mounts)))
            clock.mark("rootfs snapshot")
            try prepareAttachments(record, request: request, imageVolumes: (image.config.config?.volumes ?? [:]).keys.sorted())
            clock.mark("network+volumes")
            try db.insert(record)
            clock.mark("record")
        } catch {
            forgetAttachments(id, removeVolumes: true)
            try? await images.removeRootfs(key: "container-\(id)")
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        record.status = .created
        records[id] = record
        traced(clock, "create", id)
        emit("create", record)
        return ContainerCreateResponse(id: id, warnings: [])
    }

    /// What moby rejects at create (`verifyPlatformContainerSettings`).
    static func validate(_ host: HostConfig) throws {
        if let policy = host.restartPolicy, let name = policy.name {
            guard ["", "no", "always", "on-failure", "unless-stopped"].contains(name) else {
                throw BerthError.invalidArgument("invalid restart policy: unknown policy '\(name)'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")
            }
            if (policy.maximumRetryCount ?? 0) != 0 && name != "on-failure" {
                throw BerthError.invalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'")
            }
            if (policy.maximumRetryCount ?? 0) < 0 {
                throw BerthError.invalidArgument("invalid restart policy: maximum retry count cannot be negative")
            }
        }
        if host.autoRemove == true, let name = host.restartPolicy?.name, !["", "no"].contains(name) {
            throw BerthError.invalidArgument("can't create 'AutoRemove' container with restart policy")
        }
        if let memory = host.memory, memory > 0, memory < 6 << 20 {
            throw BerthError.invalidArgument("Minimum memory limit allowed is 6MB")
        }
        if let nano = host.nanoCpus, nano != 0, (host.cpuQuota ?? 0) > 0 || (host.cpuPeriod ?? 0) > 0 {
            throw BerthError.invalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set")
        }
        for cap in (host.capAdd ?? []) + (host.capDrop ?? []) { _ = try Capabilities.normalize(cap) }
        if let type = host.logConfig?.type, !["", "json-file", "none"].contains(type) {
            throw BerthError.invalidArgument("logging driver \(type) is not supported by berth; use json-file")
        }
    }

    static func containerConfig(_ r: ContainerCreateRequest) -> BerthAPIModel.ContainerConfig {
        var c = ContainerConfig()
        c.hostname = r.hostname; c.domainname = r.domainname; c.user = r.user
        c.attachStdin = r.attachStdin ?? false; c.attachStdout = r.attachStdout ?? false; c.attachStderr = r.attachStderr ?? false
        c.exposedPorts = r.exposedPorts; c.tty = r.tty ?? false; c.openStdin = r.openStdin ?? false; c.stdinOnce = r.stdinOnce ?? false
        c.env = r.env; c.cmd = r.cmd; c.healthcheck = r.healthcheck; c.argsEscaped = r.argsEscaped; c.image = r.image
        c.volumes = r.volumes; c.workingDir = r.workingDir; c.entrypoint = r.entrypoint; c.networkDisabled = r.networkDisabled
        c.macAddress = r.macAddress; c.onBuild = r.onBuild; c.labels = r.labels ?? [:]; c.stopSignal = r.stopSignal
        c.stopTimeout = r.stopTimeout; c.shell = r.shell
        return c
    }

    /// moby's `merge` (daemon/commit.go): the image's config fills what the
    /// request leaves empty; env is merged by key, the request winning; an
    /// entrypoint given without cmd drops the image's cmd.
    static func merge(image: BerthOCI.ContainerConfig?, into config: inout BerthAPIModel.ContainerConfig) {
        guard let image else {
            if config.env == nil { config.env = [defaultPath] }
            return
        }
        if (config.user ?? "").isEmpty { config.user = image.user ?? "" }
        var env = image.env ?? []
        let keys = Set(env.map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 })
        for entry in config.env ?? [] {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            if keys.contains(key) {
                env.removeAll { ($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0) == key }
            }
            env.append(entry)
        }
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert(defaultPath, at: 0) }
        config.env = env
        if config.entrypoint == nil || config.entrypoint!.isEmpty {
            config.entrypoint = image.entrypoint
            if config.cmd == nil || config.cmd!.isEmpty { config.cmd = image.cmd }
        }
        if (config.workingDir ?? "").isEmpty { config.workingDir = image.workingDir ?? "" }
        if config.stopSignal == nil, let signal = image.stopSignal { config.stopSignal = signal }
        var labels = image.labels ?? [:]
        for (key, value) in config.labels ?? [:] { labels[key] = value }
        config.labels = labels
        if config.exposedPorts == nil, let ports = image.exposedPorts {
            config.exposedPorts = Dictionary(uniqueKeysWithValues: ports.keys.map { ($0, JSONValue.object([:])) })
        }
        if config.healthcheck == nil, image.healthcheck != nil {
            var health = HealthConfig()
            health.test = image.healthcheck?.test
            config.healthcheck = health
        }
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
