import ArgumentParser
import BerthCompose
import BerthComposeRunner
import BerthSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `berth compose up`: create and start the project's containers,
/// recreating only services whose configuration changed.
struct ComposeUp: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Create and start containers.")

    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("detach")], help: "Run containers in the background.")
    var detach = false
    @Flag(help: "Build images before starting containers.")
    var build = false
    @Flag(name: .customLong("force-recreate"), help: "Recreate containers even if their configuration hasn't changed.")
    var forceRecreate = false
    @Flag(name: .customLong("no-recreate"), help: "If containers already exist, don't recreate them.")
    var noRecreate = false
    @Flag(name: .customLong("no-deps"), help: "Don't start linked services.")
    var noDeps = false
    @Flag(name: .customLong("no-start"), help: "Don't start the services after creating them.")
    var noStart = false
    @Flag(name: .customLong("always-recreate-deps"), help: "Recreate dependent containers.")
    var alwaysRecreateDeps = false
    @Option(help: "Scale SERVICE to NUM instances (SERVICE=NUM).")
    var scale: [String] = []
    @Flag(help: "Wait for services to be running|healthy (implies detached mode).")
    var wait = false
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers for services not defined in the Compose file.")
    var removeOrphans = false
    @Argument(help: "Services (default: all).")
    var services: [String] = []

    func validate() throws {
        if forceRecreate && noRecreate { throw ValidationError("--force-recreate and --no-recreate are incompatible") }
        for entry in scale {
            let parts = entry.split(separator: "=")
            guard parts.count == 2, let n = Int(parts[1]), n >= 0 else { throw ValidationError("invalid --scale \"\(entry)\" (SERVICE=NUM)") }
        }
    }

    func run() throws {
        let runner = try compose.runner(services: services)
        var options = UpOptions()
        options.services = services
        options.noDeps = noDeps
        options.forceRecreate = forceRecreate
        options.noRecreate = noRecreate
        options.alwaysRecreateDeps = alwaysRecreateDeps
        options.removeOrphans = removeOrphans
        options.noStart = noStart
        for entry in scale {
            let parts = entry.split(separator: "=")
            options.scale[String(parts[0])] = Int(parts[1])!
        }
        if build { try runner.build(services) }
        try runner.up(options, wait: wait)
        guard !detach && !wait && !noStart else { return }
        // Attached: follow the logs until the containers stop; Ctrl-C stops them.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            printError("Gracefully stopping... (press Ctrl+C again to force)")
            signal(SIGINT, SIG_DFL)
            try? runner.stop(services)
        }
        interrupt.resume()
        var logs = ComposeRunner.LogOptions()
        logs.follow = true
        try runner.printLogs(of: runner.serviceContainers(services), logs)
        interrupt.cancel()
    }
}
