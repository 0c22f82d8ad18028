import ArgumentParser
import BerthRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `create`: runc create.
struct RuntimeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container (its process waits for start).")
    @Option(name: [.short, .long], help: "The bundle directory (config.json and the rootfs).") var bundle = "."
    @Option(help: "A Unix socket to receive the pty master on (process.terminal).") var consoleSocket: String?
    @Option(help: "Write the init's pid here.") var pidFile: String?
    @Flag(help: "chroot instead of pivot_root (rootfs on a ramfs).") var noPivot = false
    @Flag(help: "Accepted for runc compatibility.") var noNewKeyring = false
    @Option(help: "Accepted for runc compatibility.") var preserveFds = 0
    @Argument(help: "The container id.") var id: String

    func run() throws {
        let runtime = RuntimeGlobals.current.makeRuntime()
        runtime.beforeCreate = { ExeSeal.reexec(for: $0, onlyIfShared: false, warn: runtime.warn) }
        try runtime.create(id: id, .init(bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket,
                                                                    noPivot: noPivot, preserveFds: Int32(preserveFds)))
    }
}

/// `start`: runc start.
struct RuntimeStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start the process of a created container.")
    @Argument var id: String
    func run() throws { try RuntimeGlobals.current.makeRuntime().start(id: id) }
}

/// `state`: runc state (JSON).
struct RuntimeState: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's OCI state as JSON.")
    @Argument var id: String
    func run() throws { try printJSON(try RuntimeGlobals.current.makeRuntime().state(id: id)) }
}

/// `kill`: runc kill.
struct RuntimeKill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal (default SIGTERM) to a container's init.")
    @Flag(name: [.short, .long], help: "Signal every process in the container.") var all = false
    @Argument var id: String
    @Argument var signal: String = "SIGTERM"
    func run() throws { try RuntimeGlobals.current.makeRuntime().kill(id: id, signal: try parseSignal(signal), all: all) }
}

/// `delete`: runc delete.
struct RuntimeDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a stopped container (--force: any).")
    @Flag(name: [.short, .long], help: "Kill the container first if it is running.") var force = false
    @Argument var id: String
    func run() throws { try RuntimeGlobals.current.makeRuntime().delete(id: id, force: force) }
}

/// `run`: runc run.
struct RuntimeRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Create and start a container, and wait for it unless --detach.")
    @Option(name: [.short, .long]) var bundle = "."
    @Option var consoleSocket: String?
    @Option var pidFile: String?
    @Flag(name: [.short, .long], help: "Do not wait for the container.") var detach = false
    @Flag var noPivot = false
    @Flag var noNewKeyring = false
    @Flag(help: "Accepted for runc compatibility (the container is deleted on exit).") var keep = false
    @Option var preserveFds = 0
    @Argument var id: String

    func run() throws {
        let runtime = RuntimeGlobals.current.makeRuntime()
        runtime.beforeCreate = { ExeSeal.reexec(for: $0, onlyIfShared: true, warn: runtime.warn) }
        let status = try runtime.run(
            id: id, .init(bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket, noPivot: noPivot,
                          preserveFds: Int32(preserveFds)), detach: detach)
        if status != 0 { throw ExitCode(status) }
    }
}
