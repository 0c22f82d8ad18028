import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The engine's containers: create maps the request onto a record and a
/// rootfs; start runs the OCI runtime under a per-container monitor; the
/// monitor's exit file and attach socket tell the service when a container
/// ends, so waits, restart policies and auto-remove follow (moby's
/// `daemon/start.go`, `monitor.go`, `delete.go`).
///
///     <data-root>/engine.db                 container records (SQLite)
///     <data-root>/containers/<id>/          json-file log, hostname, hosts, resolv.conf, bundle/
///     <exec-root>/<id>/                     the monitor's attach socket, pid and exit files
///     <exec-root>/runc/                     the runtime's state (`--root`)
public actor ContainerService {
    public struct Paths: Sendable {
        public var dataRoot: String
        public var execRoot: String
        public init(dataRoot: String, execRoot: String) {
            self.dataRoot = dataRoot
            self.execRoot = execRoot
        }
        var containers: String { dataRoot + "/containers" }
        func container(_ id: String) -> String { "\(containers)/\(id)" }
        func bundle(_ id: String) -> String { container(id) + "/bundle" }
        func rootfs(_ id: String) -> String { bundle(id) + "/rootfs" }
        func log(_ id: String) -> String { container(id) + "/\(id)-json.log" }
        func monitor(_ id: String) -> MonitorLauncher.Files { .init(directory: "\(execRoot)/\(id)") }
        /// Short names; sockets deeper than sun_path allows go through their directory (UnixSocket).
        func exec(_ execID: String) -> MonitorLauncher.Files { .init(directory: "\(execRoot)/e-\(execID.prefix(12))") }
    }

    let paths: Paths
    let runtime: OCIRuntime
    let launcher: MonitorLauncher
    let images: any ContainerImages
    let db: ContainerStateStore
    let events: EventBus
    /// The cgroup parent of every container (cgroupfs: /berth/<id>).
    let cgroupParent: String
    /// daemon.json's "log-opts" (max-size, max-file) for containers that set none.
    let defaultLogOptions: [String: String]

    var records: [String: ContainerRecord] = [:]
    /// Fulfilled with the exit code when the container next stops.
    var exitWaiters: [String: [OneShot<Int>]] = [:]
    /// Fulfilled when the container is removed (its last exit code).
    var removeWaiters: [String: [OneShot<Int>]] = [:]
    /// Attach clients waiting for the container to start: given a monitor
    /// connection made before the runtime's `start`, so no output is lost.
    var pendingAttaches: [String: [OneShot<MonitorConnection?>]] = [:]
    /// Containers being started, stopped or removed (one operation at a time).
    var busy: Set<String> = []
    /// Archive, export and commit operations reading a stopped container's
    /// mounted rootfs: it stays mounted while any holds it.
    var rootfsHolds: [String: Int] = [:]
    var execs: [String: ExecRecord] = [:]
    /// `State.Health` of running containers with a health check (+Health).
    var health: [String: Health] = [:]
    /// Containers whose exit is being handled (`exited`).
    var exiting: Set<String> = []
    /// Networks and volumes (`wire`); nil: loopback only, no volumes.
    var network: NetworkService?
    var volumes: VolumeService?
    /// Where the phase timings of create/start/exit/remove go (`berth daemon
    /// --debug`); nil: not collected into lines.
    var trace: (@Sendable (String) -> Void)?

    public init(paths: Paths, runtime: OCIRuntime, berthExecutable: String, images: any ContainerImages,
                events: EventBus, cgroupParent: String = "/berth", defaultLogOptions: [String: String] = [:]) throws {
        self.defaultLogOptions = defaultLogOptions
        self.paths = paths
        self.runtime = runtime
        self.launcher = MonitorLauncher(executable: berthExecutable, zygoteSocket: paths.execRoot + "/monitor.sock")
        self.images = images
        self.events = events
        self.cgroupParent = cgroupParent
        for directory in [paths.dataRoot, paths.containers, paths.execRoot, runtime.stateRoot] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let db = try ContainerStateStore(path: paths.dataRoot + "/engine.db")
        self.db = db
        self.records = Dictionary(try db.all().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Sends each operation's phase timings to `sink` (the daemon's debug log).
    public func setTrace(_ sink: (@Sendable (String) -> Void)?) {
        trace = sink
    }

    func traced(_ clock: PhaseClock, _ operation: String, _ id: String) {
        trace?(clock.line("\(operation) \(id.prefix(12))"))
    }

    // MARK: - lookup

    /// moby's `GetContainer`: full ID, then name, then a unique ID prefix.
    func lookup(_ name: String) throws -> ContainerRecord {
        if let record = records[name] { return record }
        let bare = name.hasPrefix("/") ? String(name.dropFirst()) : name
        if let record = records.values.first(where: { $0.name == bare }) { return record }
        if !bare.isEmpty {
            let matches = records.values.filter { $0.id.hasPrefix(bare) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw BerthError.invalidArgument("Multiple IDs found with provided prefix: \(bare)") }
        }
        throw BerthError.notFound("No such container: \(name)")
    }

    func save(_ record: ContainerRecord) throws {
        records[record.id] = record
        try db.update(record)
    }

    func emit(_ action: String, _ record: ContainerRecord, extra: [String: String] = [:]) {
        var attributes = record.config.labels ?? [:]
        attributes["name"] = record.name
        attributes["image"] = record.image
        for (key, value) in extra { attributes[key] = value }
        events.publish(type: "container", action: action, id: record.id, attributes: attributes)
    }

    /// Random 64-hex IDs, as moby's `stringid.GenerateRandomID` (not all digits).
    static func newID() -> String {
        while true {
            var bytes = [UInt8](repeating: 0, count: 32)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
            let id = hex(bytes)
            if Int(id.prefix(12)) == nil { return id }
        }
    }
}
