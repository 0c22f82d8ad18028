import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// `berth top CONTAINER [ps OPTIONS]`.
struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Display the running processes of a container.")
    @Argument(help: "The container.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "ps options.") var psArgs: [String] = []
    func run() throws {
        try withClient { client in
            let top = try client.containerTop(container, psArgs: psArgs.isEmpty ? nil : psArgs.joined(separator: " "))
            printTable([top.titles ?? []] + (top.processes ?? []))
        }
    }
}

/// `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`.
struct PortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "List port mappings or a specific mapping for the container.")
    @Argument(help: "The container.") var container: String
    @Argument(help: "A private port (80 or 80/tcp).") var port: String?
    func run() throws {
        try withClient { client in
            let ports = try client.containerInspect(container).networkSettings?.ports ?? [:]
            let wanted = port.map { $0.contains("/") ? $0 : $0 + "/tcp" }
            if let wanted, ports[wanted] == nil { throw APIError(status: 404, message: "No public port '\(wanted)' published for \(container)") }
            for key in ports.keys.sorted() where wanted == nil || key == wanted {
                for binding in ports[key] ?? [] {
                    let ip = binding.hostIp ?? "0.0.0.0"
                    let address = "\(ip.contains(":") ? "[\(ip)]" : ip):\(binding.hostPort ?? "")"
                    print(wanted == nil ? "\(key) -> \(address)" : address)
                }
            }
        }
    }
}

/// `berth diff CONTAINER`: A/C/D lines.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect changes to files or directories on a container's filesystem.")
    @Argument(help: "The container.") var container: String
    func run() throws {
        try withClient { client in
            for change in try client.containerChanges(container) {
                let kind = ["C", "A", "D"][min(max(Int(change.kind ?? 0), 0), 2)]
                print("\(kind) \(change.path ?? "")")
            }
        }
    }
}

/// `berth export [-o FILE] CONTAINER`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a container's filesystem as a tar archive.")
    @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT.") var output: String?
    @Argument(help: "The container.") var container: String
    func run() throws {
        try withClient { client in
            if output == nil && stdoutIsTerminal { throw BerthError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect") }
            let response = try client.containerExport(container)
            let fd = try output.map(openForWriting) ?? STDOUT_FILENO
            defer { if fd != STDOUT_FILENO { close(fd) } }
            try copyBody(response, to: fd)
        }
    }
}

/// `berth commit [-a A] [-m M] [-c CHANGE] [-p] CONTAINER [REPOSITORY[:TAG]]`.
struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new image from a container's changes.")
    @Option(name: .shortAndLong, help: "Author.") var author: String?
    @Option(name: .shortAndLong, help: "Commit message.") var message: String?
    @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image.") var change: [String] = []
    @Option(name: .shortAndLong, help: "Pause container during commit (true|false).") var pause = "true"
    @Argument(help: "The container.") var container: String
    @Argument(help: "The new image's name.") var reference: String?
    func run() throws {
        try withClient { client in
            let (repo, tag) = splitReference(reference)
            let id = try client.containerCommit(container, repo: repo, tag: tag, comment: message, author: author,
                                                pause: pause != "false", changes: change)
            print(id.id ?? "")
        }
    }
}

/// `berth update [--memory …] [--cpus …] [--restart …] CONTAINER...`.
struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Update configuration of one or more containers.")
    @Option(name: .shortAndLong, help: "Memory limit.") var memory: String?
    @Option(name: .customLong("memory-swap"), help: "Swap limit equal to memory plus swap: -1 for unlimited.") var memorySwap: String?
    @Option(name: .long, help: "Number of CPUs.") var cpus: String?
    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight).") var cpuShares: Int?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs in which to allow execution.") var cpusetCpus: String?
    @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (-1 for unlimited).") var pidsLimit: Int64?
    @Option(name: .long, help: "Restart policy to apply when a container exits.") var restart: String?
    @Argument(help: "Containers.") var containers: [String]
    func validate() throws { if containers.isEmpty { throw ValidationError("\"update\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in
            var update = ContainerUpdateRequest()
            update.memory = try memory.map { try parseBytes($0, flag: "--memory") }
            update.memorySwap = try memorySwap.map { $0 == "-1" ? -1 : try parseBytes($0, flag: "--memory-swap") }
            update.nanoCpus = try cpus.map(parseCPUs)
            update.cpuShares = cpuShares
            update.cpusetCpus = cpusetCpus
            update.pidsLimit = pidsLimit
            update.restartPolicy = try restart.map(parseRestart)
            try forEachName(containers) { name in
                for warning in try client.containerUpdate(name, update).warnings ?? [] { printError("WARNING: \(warning)") }
            }
        }
    }
}

/// "repo:tag" → ("repo", "tag"); the colon of a registry port is not a tag.
func splitReference(_ reference: String?) -> (String?, String?) {
    guard let reference, !reference.isEmpty else { return (nil, nil) }
    if let at = reference.firstIndex(of: "@") { return (String(reference[..<at]), nil) }
    if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }
    return (reference, nil)
}
