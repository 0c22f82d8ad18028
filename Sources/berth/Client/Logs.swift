import ArgumentParser
import BerthAPIModel
import BerthClient
#if canImport(Glibc)
import Glibc
#endif

/// `berth logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch the logs of a container.")
    @Flag(name: .shortAndLong, help: "Follow log output.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Number of lines to show from the end of the logs (or \"all\").") var tail: String = "all"
    @Option(name: .long, help: "Show logs since a timestamp or relative time (e.g. 42m).") var since: String?
    @Option(name: .long, help: "Show logs before a timestamp or relative time.") var until: String?
    @Flag(name: .shortAndLong, help: "Show timestamps.") var timestamps = false
    @Argument(help: "The container.") var container: String

    func run() throws {
        try withClient { client in
            let inspect = try client.containerInspect(container)
            let response = try client.containerLogs(container, follow: follow, since: try since.map(timestampArgument),
                                                    until: try until.map(timestampArgument), timestamps: timestamps, tail: tail)
            if inspect.config?.tty == true { try copyBody(response, to: STDOUT_FILENO); return }
            var reader = StdStreamReader(response)
            while let (stream, bytes) = try reader.next() {
                writeAll(stream == .stderr ? STDERR_FILENO : STDOUT_FILENO, bytes)
            }
        }
    }
}

/// `berth attach [--no-stdin] [--sig-proxy] CONTAINER`: to a running container.
struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Attach local standard input, output, and error streams to a running container.")
    @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN.") var noStdin = false
    @Option(name: .customLong("sig-proxy"), help: "Proxy all received signals to the process (true|false).") var sigProxy = "true"
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.") var detachKeys: String?
    @Argument(help: "The container.") var container: String

    func run() throws {
        var code: Int32 = 0
        try withClient { client in
            let inspect = try client.containerInspect(container)
            guard inspect.state?.running == true else { throw APIError(status: 409, message: "You cannot attach to a stopped container, start it first") }
            let tty = inspect.config?.tty ?? false
            let stdin = !noStdin && (inspect.config?.openStdin ?? false)
            let stream = try client.containerAttach(container, stdin: stdin, detachKeys: detachKeys)
            let wait = try client.containerWaitStart(container, condition: "not-running")
            let terminal = tty && stdin ? RawTerminal() : nil
            var pump = StreamPump(stream: stream, tty: tty, stdin: stdin)
            if tty { pump.resize = { h, w in try? client.containerResize(container, height: h, width: w) } }
            if !tty && sigProxy != "false" { pump.proxySignal = { signal in try? client.containerKill(container, signal: String(signal)) } }
            if let detachKeys { pump.detachKeys = try parseDetachKeys(detachKeys) }
            let outcome = try pump.run()
            terminal?.restore()
            guard outcome == .ended else { return }
            try wait.forEachJSON(ContainerWaitResponse.self) { answer in
                code = Int32(truncatingIfNeeded: answer.statusCode ?? 0)
                return false
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}
