import ArgumentParser
import BerthAPI
import BerthEngine
import BerthImages
import BerthRegistry
import BerthStore
import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging

/// Wires the engine and serves it until SIGTERM or SIGINT. Containers keep
/// running when the daemon stops (their monitors outlive it); the next
/// daemon on the same roots picks them up (live restore).
struct DaemonRunner {
    let settings: DaemonSettings

    func run() async throws {
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "berth.daemon")
        for directory in [settings.dataRoot, settings.execRoot] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o711])
        }
        let pidfile = try PidFile(path: settings.pidfile)
        defer { pidfile.remove() }

        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let hasRuntime = Berth.configuration.subcommands.contains { $0.configuration.commandName == "runtime" }
        let command = settings.runtime.map { [$0] }
            ?? OCIRuntime.defaultCommand(berthExecutable: executable, hasRuntimeCommand: hasRuntime)
        let runtime = OCIRuntime(command: command, stateRoot: settings.execRoot + "/runtime", inProcess: settings.runtime == nil)
        let store = try Store(root: settings.dataRoot + "/store")
        let imageService = makeImageService(store: store)
        let images = StoreImages(service: imageService)
        let events = EventBus()
        let containers = try ContainerService(
            paths: .init(dataRoot: settings.dataRoot, execRoot: settings.execRoot), runtime: runtime,
            berthExecutable: executable, images: images, events: events,
            defaultLogOptions: settings.logOptions)
        let network = try NetworkService(settings: .init(dataRoot: settings.dataRoot, execRoot: settings.execRoot,
                                                         bridgeName: settings.bridge, bip: settings.bip))
        let volumes = try VolumeService(dataRoot: settings.dataRoot)
        await containers.wire(network: network, volumes: volumes)
        if settings.logLevel == .debug {
            // Phase timings of every create, start, exit and remove.
            let timings = Logger(label: "berth.engine")
            await containers.setTrace { timings.debug("\($0)") }
        }
        await containers.restore()

        let imageBackend = ImageServiceBackend(service: imageService)
        let system = SystemService(
            settings: .init(id: try daemonID(), version: Berth.engineVersion, dataRoot: settings.dataRoot,
                            runtimeCommand: command, debug: settings.logLevel == .debug, labels: settings.labels),
            containers: containers, events: events, images: imageBackend, volumes: volumes)
        let adapter = ContainerBackendAdapter(service: containers)
        let backends = Backends(system: system, containers: adapter, images: imageBackend,
                                networks: NetworkBackendAdapter(service: network, containers: containers), volumes: volumes,
                                exec: adapter,
                                build: BuildService(images: imageService, containers: containers, dataRoot: settings.dataRoot))
        var servers: [APIServer] = []
        for socket in settings.sockets {
            try FileManager.default.createDirectory(atPath: parentDirectory(of: socket),
                                                    withIntermediateDirectories: true)
            let server = APIServer(backends: backends, socketPath: socket, serverVersion: Berth.engineVersion,
                                   logger: Logger(label: "berth.api"))
            try await server.start()
            servers.append(server)
        }
        for listener in settings.tcpListeners {
            let server = APIServer(backends: backends, socketPath: "", tcp: listener, serverVersion: Berth.engineVersion,
                                   logger: Logger(label: "berth.api"))
            try await server.start()
            servers.append(server)
        }
        // After 10 s without a request, give back the clean code pages and
        // free heap it holds (IdleMemory: they stay in the page cache).
        IdleMemory.startTrimmer(idleSeconds: 10)
        logger.info("berth daemon \(Berth.engineVersion) ready: runtime \(command.joined(separator: " ")), data root \(settings.dataRoot)")
        await waitForTermination()
        logger.info("shutting down; containers keep running")
        for server in servers { try? await server.shutdown() }
        // With no container left running, bridges and the nft table go too.
        network.shutdown(anyRunning: !(await containers.runningIDs()).isEmpty)
    }

    /// The image store over the daemon's store, with dockerd's registry
    /// settings; credentials come only from each request's X-Registry-Auth
    /// (dockerd reads no config.json), and `rmi` asks the containers'
    /// rootfs snapshots who uses an image.
    func makeImageService(store: Store) -> ImageService {
        let registry = RegistryConfiguration(insecureRegistries: settings.insecureRegistries,
                                             mirrors: settings.registryMirrors, credentials: nil,
                                             userAgent: "berth/\(Berth.engineVersion)")
        return ImageService(store: store, registry: registry, usage: ContainerImageUsage(snapshotter: store.snapshotter))
    }

    /// Waits for SIGTERM or SIGINT.
    func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if once.set() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }

    /// A stable engine ID, created once under the data root.
    func daemonID() throws -> String {
        let path = settings.dataRoot + "/engine-id"
        if let data = FileManager.default.contents(atPath: path) {
            return String(decoding: data, as: UTF8.self).trimmingWhitespace()
        }
        let id = UUID().uuidString
        try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return id
    }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = Lock()
    private var done = false
    func set() -> Bool { lock.withLock { defer { done = true }; return !done } }
}

/// Keeps the signal sources alive for the daemon's life.
enum SignalSources {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    static func keep(_ new: [any DispatchSourceSignal]) { sources += new }
}

/// dockerd's pid file: refuses to start when it names a live process.
struct PidFile {
    let path: String

    init(path: String) throws {
        self.path = path
        if let data = FileManager.default.contents(atPath: path),
           let pid = Int32(String(decoding: data, as: UTF8.self).trimmingWhitespace()),
           pid > 0, pid != getpid(), kill(pid, 0) == 0 {
            throw BerthError.conflict("pid file found, ensure berth daemon is not running or delete \(path)")
        }
        try FileManager.default.createDirectory(atPath: parentDirectory(of: path), withIntermediateDirectories: true)
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    func remove() { unlink(path) }
}

extension Berth {
    /// The Docker engine version berth reports (the API it matches, docker 28).
    static let engineVersion = "28.2.2"
}
