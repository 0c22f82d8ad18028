import BerthAPIModel
import BerthClient
import BerthCompose
import BerthSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `exec` and `run`: a command in a service's container, or in a one-off
/// container of the service, with its output (and stdin when interactive)
/// over a hijacked connection.
extension ComposeRunner {
    public struct ProcessOptions: Sendable {
        public var tty = false
        public var interactive = false
        public var user: String?
        public var workdir: String?
        public var env: [String] = []
        public var privileged = false
        public init() {}
    }

    /// `exec SERVICE CMD…` in container number `index`; returns its exit code.
    public func exec(service: String, index: Int, command: [String], _ options: ProcessOptions, detach: Bool = false) throws -> Int32 {
        let containers = try serviceContainers([service]).filter { $0.isUp }
        guard let c = containers.first(where: { ($0.number ?? 1) == index }) ?? (index == 1 ? containers.first : nil) else {
            throw BerthError.notFound("service \"\(service)\" is not running container #\(index)")
        }
        var config = ExecConfig()
        config.cmd = command
        config.tty = options.tty
        config.attachStdin = options.interactive && !detach
        config.attachStdout = !detach
        config.attachStderr = !detach
        config.user = options.user
        config.workingDir = options.workdir
        config.env = options.env.isEmpty ? nil : options.env
        config.privileged = options.privileged ? true : nil
        let execID = try client.post(IDResponse.self, "/containers/\(c.id)/exec", json: config).id ?? ""

        let start = ExecStartConfig(detach: detach, tty: options.tty)
        if detach {
            try client.post("/exec/\(execID)/start", json: start)
            return 0
        }
        let stream = try client.hijack(EngineClient.Request(method: "POST", path: "/exec/\(execID)/start", body: .encode(start)))
        try pump(stream, tty: options.tty, stdin: options.interactive)
        let info = try client.get(ExecInspectResponse.self, "/exec/\(execID)/json")
        return Int32(truncatingIfNeeded: info.exitCode ?? 0)
    }

    /// `run SERVICE [CMD…]`: a one-off container (labelled oneoff=True,
    /// named `<project>-<service>-run-<hex>`), its dependencies brought up
    /// first unless `noDeps`; attached unless `detach`; removed after with
    /// `remove`. Returns the container's exit code.
    public func run(service: String, command: [String]?, entrypoint: [String]? = nil, name: String? = nil,
                    noDeps: Bool = false, servicePorts: Bool = false, remove: Bool = false, detach: Bool = false,
                    publish: [String] = [], _ options: ProcessOptions) throws -> Int32 {
        guard project.services[service] != nil else { throw BerthError.notFound("no such service: \(service)") }
        for p in publish where ServicePort.parseShort(p) == nil {
            throw BerthError.invalidArgument("invalid port \"\(p)\" for --publish")
        }
        let deps = DependencyGraph(project).closure(of: [service]).subtracting([service])
        if !noDeps && !deps.isEmpty {
            var up = UpOptions()
            up.services = deps.sorted()
            try self.up(up)
        }
        try ensureObjects()
        var suffix = ""
        for _ in 0..<6 { suffix += String("0123456789abcdef".randomElement()!) }
        let containerName = name ?? "\(project.name)-\(service)-run-\(suffix)"
        var labels = project.containerLabels(service: service, number: 1, version: planner.version)
        labels[ComposeLabel.oneoff] = "True"
        labels[ComposeLabel.containerNumber] = nil
        let spec = ContainerSpec(service: service, number: 1, name: containerName, labels: labels)
        let id = try createContainer(spec, name: containerName, oneoff: true, quiet: true) { body in
            if let command { body.cmd = command }
            if let entrypoint { body.entrypoint = entrypoint }
            body.tty = options.tty
            body.openStdin = options.interactive && !detach
            body.stdinOnce = options.interactive && !detach
            body.attachStdin = options.interactive && !detach
            body.attachStdout = !detach
            body.attachStderr = !detach
            if let user = options.user { body.user = user }
            if let workdir = options.workdir { body.workingDir = workdir }
            if !options.env.isEmpty { body.env = (body.env ?? []) + options.env }
            // Ports are published only with --service-ports or -p (compose's run).
            if !servicePorts { body.hostConfig?.portBindings = nil }
            var bindings = body.hostConfig?.portBindings ?? [:]
            for p in publish {
                for port in ServicePort.parseShort(p) ?? [] {
                    bindings["\(port.target)/\(port.protocol)", default: []]
                        .append(PortBinding(hostIp: port.hostIp ?? "", hostPort: port.published ?? ""))
                }
            }
            body.hostConfig?.portBindings = bindings.isEmpty ? nil : bindings
            if remove && detach { body.hostConfig?.autoRemove = true }
        }
        if detach {
            try client.post("/containers/\(id)/start")
            print(containerName)
            return 0
        }
        var query: Query = ["stream": "1", "stdout": "1", "stderr": "1"]
        query.flag("stdin", options.interactive)
        let stream = try client.hijack(EngineClient.Request(method: "POST", path: "/containers/\(id)/attach", query: query))
        try client.post("/containers/\(id)/start")
        try pump(stream, tty: options.tty, stdin: options.interactive)
        let exit = try client.post(ContainerWaitResponse.self, "/containers/\(id)/wait")
        if remove { try client.delete("/containers/\(id)", query: ["force": "1", "v": "1"]) }
        return Int32(truncatingIfNeeded: exit.statusCode ?? 0)
    }

    /// The project's networks and volumes, for `run` without `up`.
    func ensureObjects() throws {
        var plan = ComposePlan()
        let actual = try actualState()
        try planner.ensureNetworks(actual, &plan)
        try planner.ensureVolumes(actual, &plan)
        try execute(plan)
    }

    /// Copies the stream to stdout/stderr (demultiplexed unless a tty) and,
    /// when `stdin`, our stdin to the stream on a thread of its own.
    func pump(_ stream: HijackedStream, tty: Bool, stdin: Bool) throws {
        if stdin {
            let stream = UncheckedStream(stream)
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 32768)
                while true {
                    let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    do { try stream.value.write(Array(buffer[0..<n])) } catch { break }
                }
                stream.value.closeWrite()
            }
        }
        if tty {
            while case let chunk = try stream.read(max: 32768), !chunk.isEmpty { Self.write(1, chunk) }
        } else {
            var reader = StdStreamReader(stream)
            while let frame = try reader.next() { Self.write(frame.stream == .stderr ? 2 : 1, frame.bytes) }
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// The hijacked stream, written by the stdin thread while the caller
/// reads it: reads and writes go to different directions of the socket.
struct UncheckedStream: @unchecked Sendable {
    let value: HijackedStream
    init(_ value: HijackedStream) { self.value = value }
}
