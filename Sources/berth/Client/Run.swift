import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create (pulling a missing
/// image), attach, start, and wait, as docker's run; exits with the
/// container's code, 125 when the daemon refuses, 126/127 when the command
/// cannot be run or is not found.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and run a new container from an image.", helpNames: [.long])

    @OptionGroup var options: ContainerOptions
    @Flag(name: .shortAndLong, help: "Run container in background and print container ID.") var detach = false
    @Option(name: .shortAndLong, help: "Attach to STDIN, STDOUT or STDERR.") var attach: [String] = []
    @Option(name: .customLong("sig-proxy"), help: "Proxy received signals to the process (true|false).") var sigProxy = "true"
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.") var detachKeys: String?
    @Argument(help: "The image.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        if detach && !attach.isEmpty { throw ValidationError("conflicting options: cannot specify both --attach and --detach") }
        for stream in attach where !["stdin", "stdout", "stderr"].contains(stream.lowercased()) {
            throw ValidationError("invalid argument \"\(stream)\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR")
        }
    }

    func run() throws {
        var code: Int32 = 0
        try withClient(failure: 125) { client in
            if options.interactive && options.tty && !detach && isatty(STDIN_FILENO) != 1 {
                throw BerthError.invalidArgument("the input device is not a TTY")
            }
            let id = try createContainer(client, options: options, image: image, command: command)
            if detach {
                try startOrExplain(client, id)
                print(id)
                return
            }
            let streams = Set(attach.map { $0.lowercased() })
            code = try attachAndStart(client, id: id, tty: options.tty, stdin: options.interactive || streams.contains("stdin"),
                                      stdout: streams.isEmpty || streams.contains("stdout"),
                                      stderr: streams.isEmpty || streams.contains("stderr"),
                                      sigProxy: sigProxy != "false", detachKeys: detachKeys,
                                      condition: options.autoRemove ? "removed" : "next-exit")
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Creates the container; a missing image is pulled first (`--pull missing`,
/// docker's "Unable to find image … locally" on stderr), or always.
func createContainer(_ client: EngineClient, options: ContainerOptions, image: String, command: [String]) throws -> String {
    let request = try options.request(image: image, command: command)
    if options.pull == "always" { try pullImage(client, image, platform: options.platform, to: STDERR_FILENO) }
    let created: ContainerCreateResponse
    do {
        created = try client.containerCreate(request, name: options.name, platform: options.platform)
    } catch let error as APIError where error.status == 404 && options.pull == "missing" && error.message.contains("image") {
        printError("Unable to find image '\(image)' locally")
        try pullImage(client, image, platform: options.platform, to: STDERR_FILENO)
        created = try client.containerCreate(request, name: options.name, platform: options.platform)
    }
    for warning in created.warnings ?? [] { printError("WARNING: \(warning)") }
    guard let id = created.id else { throw BerthError.internalError("the daemon returned no container ID") }
    return id
}

/// Starts the container; a command that cannot run becomes docker's 126/127 exit.
func startOrExplain(_ client: EngineClient, _ id: String) throws {
    do {
        try client.containerStart(id)
    } catch let error as APIError {
        printError("Error response from daemon: \(error.message)")
        let text = error.message.lowercased()
        if text.contains("executable file not found") || text.contains("no such file or directory") { throw ExitCode(127) }
        if text.contains("permission denied") || text.contains("exec format error") { throw ExitCode(126) }
        throw ExitCode(125)
    }
}

/// Attaches to the container, starts it and pumps its streams; returns its exit code
/// (0 when detached with the detach keys).
func attachAndStart(_ client: EngineClient, id: String, tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool,
                    sigProxy: Bool, detachKeys: String?, condition: String) throws -> Int32 {
    let stream = try client.containerAttach(id, stdin: stdin, stdout: stdout, stderr: stderr, detachKeys: detachKeys)
    let wait = try client.containerWaitStart(id, condition: condition)
    try startOrExplain(client, id)
    let terminal = tty && stdin ? RawTerminal() : nil
    var pump = StreamPump(stream: stream, tty: tty, stdin: stdin)
    if tty { pump.resize = { h, w in try? client.containerResize(id, height: h, width: w) } }
    if !tty && sigProxy { pump.proxySignal = { signal in try? client.containerKill(id, signal: String(signal)) } }
    if let detachKeys { pump.detachKeys = try parseDetachKeys(detachKeys) }
    let outcome = try pump.run()
    terminal?.restore()
    if outcome == .detached { return 0 }
    var status: Int32 = 0
    try wait.forEachJSON(ContainerWaitResponse.self) { answer in
        if let message = answer.error?.message, !message.isEmpty { throw APIError(status: 500, message: message) }
        status = Int32(truncatingIfNeeded: answer.statusCode ?? 0)
        return false
    }
    return status
}

/// docker's --detach-keys: "ctrl-p,ctrl-q", "a,b".
func parseDetachKeys(_ text: String) throws -> [UInt8] {
    try text.split(separator: ",").map { key -> UInt8 in
        let lower = key.lowercased()
        if lower.hasPrefix("ctrl-"), lower.count == 6, let c = lower.last?.asciiValue {
            if c >= 97, c <= 122 { return c - 96 }
            switch c {
            case 64: return 0
            case 91: return 27
            case 92: return 28
            case 93: return 29
            case 94: return 30
            case 95: return 31
            default: break
            }
        }
        guard key.count == 1, let c = key.first?.asciiValue else { throw ValidationError("invalid detach keys: \(text)") }
        return c
    }
}
