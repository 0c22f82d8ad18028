import BerthRuntime
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// The container id, the first positional of every verb but list and spec.
let containerID = CommandSpec.Positional("CONTAINER_ID", "container id")

/// `--preserve-fds N` of create and run.
let preserveFdsOption = CommandSpec.Option("preserve-fds", value: "N", default: "0",
                                           help: "Pass N more fds (3 to 3+N-1) to the container's process.")

/// The options `create` and `run` share.
let createOptionSpecs: [CommandSpec.Option] = [
    .init("bundle", short: "b", value: "DIR", default: ".", help: "The bundle directory (config.json and the rootfs)."),
    .init("console-socket", value: "PATH", help: "A Unix socket to receive the pty master on (process.terminal)."),
    .init("pid-file", value: "PATH", help: "Write the init's pid here."),
]

/// `create`'s and `run`'s options as the runtime takes them.
func createOptions(_ a: ParsedArguments) throws -> Runtime.CreateOptions {
    .init(bundle: a.string("bundle"), pidFile: a.value("pid-file"), consoleSocket: a.value("console-socket"),
          noPivot: a.flag("no-pivot"), preserveFds: try a.number("preserve-fds") ?? 0)
}

/// `create`: runc create.
struct RuntimeCreate: RuntimeVerb {
    static let spec = CommandSpec("berth runtime create", abstract: "Create a container (its process waits for start).", options: createOptionSpecs + [
        .init(flag: "no-pivot", help: "chroot instead of pivot_root (rootfs on a ramfs)."),
        .init(flag: "no-new-keyring", help: "Accepted for runc compatibility."),
        preserveFdsOption,
    ], positionals: [containerID])

    let id: String
    let options: Runtime.CreateOptions

    init(_ a: ParsedArguments) throws {
        id = a.positionals[0]
        options = try createOptions(a)
    }

    func run() throws {
        let runtime = RuntimeGlobals.current.makeRuntime()
        runtime.beforeCreate = { ExeSeal.reexec(for: $0, onlyIfShared: false, warn: runtime.warn) }
        try runtime.create(id: id, options)
    }
}

/// `start`: runc start.
struct RuntimeStart: RuntimeVerb {
    static let spec = CommandSpec("berth runtime start", abstract: "Start the process of a created container.", positionals: [containerID])
    let id: String
    init(_ a: ParsedArguments) { id = a.positionals[0] }
    func run() throws { try RuntimeGlobals.current.makeRuntime().start(id: id) }
}

/// `state`: runc state (JSON).
struct RuntimeState: RuntimeVerb {
    static let spec = CommandSpec("berth runtime state", abstract: "Print a container's OCI state as JSON.", positionals: [containerID])
    let id: String
    init(_ a: ParsedArguments) { id = a.positionals[0] }
    func run() throws { try printJSON(try RuntimeGlobals.current.makeRuntime().state(id: id)) }
}

/// `kill`: runc kill.
struct RuntimeKill: RuntimeVerb {
    static let spec = CommandSpec("berth runtime kill", abstract: "Send a signal (default SIGTERM) to a container's init.", options: [
        .init(flag: "all", short: "a", help: "Signal every process in the container."),
    ], positionals: [containerID, .init("SIGNAL", "signal", .optional(defaultValue: "SIGTERM"))])

    let id: String
    let signal: Int32
    let all: Bool

    init(_ a: ParsedArguments) throws {
        id = a.positionals[0]
        signal = try parseSignal(a.positionals[1])
        all = a.flag("all")
    }

    func run() throws { try RuntimeGlobals.current.makeRuntime().kill(id: id, signal: signal, all: all) }
}

/// `delete`: runc delete.
struct RuntimeDelete: RuntimeVerb {
    static let spec = CommandSpec("berth runtime delete", abstract: "Delete a stopped container (--force: any).", options: [
        .init(flag: "force", short: "f", help: "Kill the container first if it is running."),
    ], positionals: [containerID])

    let id: String
    let force: Bool
    init(_ a: ParsedArguments) {
        id = a.positionals[0]
        force = a.flag("force")
    }
    func run() throws { try RuntimeGlobals.current.makeRuntime().delete(id: id, force: force) }
}

/// `run`: runc run.
struct RuntimeRun: RuntimeVerb {
    static let spec = CommandSpec("berth runtime run", abstract: "Create and start a container, and wait for it unless --detach.", options: createOptionSpecs + [
        .init(flag: "detach", short: "d", help: "Do not wait for the container."),
        .init(flag: "no-pivot", help: "chroot instead of pivot_root (rootfs on a ramfs)."),
        .init(flag: "no-new-keyring", help: "Accepted for runc compatibility."),
        .init(flag: "keep", help: "Accepted for runc compatibility (the container is deleted on exit)."),
        preserveFdsOption,
    ], positionals: [containerID])

    let id: String
    let options: Runtime.CreateOptions
    let detach: Bool

    init(_ a: ParsedArguments) throws {
        id = a.positionals[0]
        options = try createOptions(a)
        detach = a.flag("detach")
    }

    func run() throws {
        let runtime = RuntimeGlobals.current.makeRuntime()
        runtime.beforeCreate = { ExeSeal.reexec(for: $0, onlyIfShared: true, warn: runtime.warn) }
        let status = try runtime.run(id: id, options, detach: detach)
        if status != 0 { exit(status) }
    }
}
