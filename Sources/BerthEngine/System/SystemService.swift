import BerthRegistry
import BerthSystem
import Foundation
import Glibc

/// `/info`, `/version`, `/events`, `/system/df` with this daemon's real values.
public struct SystemService: SystemBackend {
    public struct Settings: Sendable {
        public var id: String
        public var version: String
        public var dataRoot: String
        public var runtimeCommand: [String]
        public var debug: Bool
        public var labels: [String]
        public init(id: String, version: String, dataRoot: String, runtimeCommand: [String], debug: Bool, labels: [String]) {
            self.id = id
            self.version = version
            self.dataRoot = dataRoot
            self.runtimeCommand = runtimeCommand
            self.debug = debug
            self.labels = labels
        }
    }

    let settings: Settings
    let containers: ContainerService
    let events: EventBus
    /// How registries are reached, for `/auth` (the image service's configuration).
    let registry: RegistryConfiguration

    public init(settings: Settings, containers: ContainerService, events: EventBus,
                registry: RegistryConfiguration = RegistryConfiguration()) {
        self.settings = settings
        self.containers = containers
        self.events = events
        self.registry = registry
    }

    static func uname() -> (release: String, machine: String, node: String) {
        var u = utsname()
        Glibc.uname(&u)
        func text<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(u.release), text(u.machine), text(u.nodename))
    }

    /// Go's GOARCH names, as docker reports Arch.
    static func goArch(_ machine: String) -> String {
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        case "armv7l", "armv6l": return "arm"
        default: return machine
        }
    }

    static func osRelease() -> (pretty: String, version: String) {
        let text = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return (fields["PRETTY_NAME"] ?? "Linux", fields["VERSION_ID"] ?? "")
    }

    static func cgroupVersion() -> String {
        FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? "2" : "1"
    }

    public func info() async throws -> SystemInfo {
        let counts = await containers.counts()
        let host = Self.uname()
        let os = Self.osRelease()
        var info = SystemInfo()
        info.id = settings.id
        info.containers = counts.total
        info.containersRunning = counts.running
        info.containersPaused = counts.paused
        info.containersStopped = counts.stopped
        info.images = 0
        info.driver = "overlay2"
        info.driverStatus = [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]]
        info.dockerRootDir = settings.dataRoot
        info.memoryLimit = true
        info.swapLimit = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
        info.cpuCfsPeriod = true
        info.cpuCfsQuota = true
        info.cpuShares = true
        info.cpuSet = true
        info.pidsLimit = true
        info.oomKillDisable = Self.cgroupVersion() == "1"
        info.iPv4Forwarding = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8))?.hasPrefix("1") ?? false
        info.debug = settings.debug
        info.nFd = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        info.nGoroutines = 0
        info.systemTime = Timestamp.now()
        info.loggingDriver = "json-file"
        info.cgroupDriver = "cgroupfs"
        info.cgroupVersion = Self.cgroupVersion()
        info.nEventsListener = 0
        info.kernelVersion = host.release
        info.operatingSystem = os.pretty
        info.osVersion = os.version
        info.osType = "linux"
        info.architecture = host.machine
        info.ncpu = ProcessInfo.processInfo.activeProcessorCount
        info.memTotal = Int64(ProcessInfo.processInfo.physicalMemory)
        info.indexServerAddress = "https://index.docker.io/v1/"
        info.name = host.node
        info.labels = settings.labels
        info.experimentalBuild = false
        info.serverVersion = settings.version
        info.runtimes = ["runc": Runtime(path: settings.runtimeCommand.first, runtimeArgs: Array(settings.runtimeCommand.dropFirst()))]
        info.defaultRuntime = "runc"
        info.liveRestoreEnabled = true
        info.isolation = ""
        info.initBinary = ""
        info.containerdCommit = Commit(id: "")
        info.runcCommit = Commit(id: "")
        info.initCommit = Commit(id: "")
        info.securityOptions = ["name=seccomp,profile=builtin"] + ["name=cgroupns"].filter { _ in Self.cgroupVersion() == "2" }
        info.warnings = []
        return info
    }

    public func version() async throws -> SystemVersion {
        let host = Self.uname()
        var version = SystemVersion()
        version.platform = SystemVersion.Platform(name: "berth")
        var engine = SystemVersion.Components()
        engine.name = "Engine"
        engine.version = settings.version
        engine.details = .object([
            "ApiVersion": .string(APIVersion.current.description),
            "MinAPIVersion": .string(APIVersion.minimum.description),
            "Os": .string("linux"),
            "Arch": .string(Self.goArch(host.machine)),
            "KernelVersion": .string(host.release),
        ])
        version.components = [engine]
        version.version = settings.version
        version.apiVersion = APIVersion.current.description
        version.minAPIVersion = APIVersion.minimum.description
        version.gitCommit = "berth"
        version.goVersion = "swift"
        version.os = "linux"
        version.arch = Self.goArch(host.machine)
        version.kernelVersion = host.release
        version.experimental = false
        version.buildTime = ""
        return version
    }

    public func dataUsage(types: Set<String>) async throws -> SystemDataUsageResponse {
        var response = SystemDataUsageResponse()
        response.layersSize = 0
        response.images = []
        response.containers = try await containers.list(ContainerListOptions(all: true))
        response.volumes = []
        response.buildCache = []
        return response
    }

    public func events(_ options: EventsOptions) async throws -> AsyncThrowingStream<EventMessage, any Error> {
        events.subscribe(options)
    }

    /// `docker login` through the daemon: GET /v2/ of the registry with the
    /// credentials must not answer 401 (moby's registry.loginV2). Nothing is
    /// stored: the client keeps the credentials and sends them per request.
    public func authenticate(_ config: AuthConfig) async throws -> SystemAuthResponse {
        guard let username = config.username, !username.isEmpty, let password = config.password else {
            throw BerthError.invalidArgument("login needs a username and a password")
        }
        var server = Substring(config.serveraddress ?? "")
        for scheme in ["https://", "http://"] where server.hasPrefix(scheme) { server = server.dropFirst(scheme.count) }
        if let slash = server.firstIndex(of: "/") { server = server[..<slash] }
        let domain = server.isEmpty || server == "index.docker.io" ? "docker.io" : String(server)
        let client = RegistryClient(configuration: registry)
        do {
            try await client.checkLogin(domain: domain, credentials: RegistryCredentials(username: username, password: password))
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
        var answer = SystemAuthResponse()
        answer.status = "Login Succeeded"
        return answer
    }
}
