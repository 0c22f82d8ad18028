import ArgumentParser
import BerthAPIModel
import BerthClient

/// `berth create [OPTIONS] IMAGE [COMMAND] [ARG...]`: prints the new container's ID.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new container.", helpNames: [.long])

    @OptionGroup var options: ContainerOptions
    @Argument(help: "The image.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func run() throws {
        try withClient(failure: 125) { client in
            print(try createContainer(client, options: options, image: image, command: command))
        }
    }
}

/// `berth start [-a] [-i] CONTAINER...`.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start one or more stopped containers.")

    @Flag(name: .shortAndLong, help: "Attach STDOUT/STDERR and forward signals.") var attach = false
    @Flag(name: .shortAndLong, help: "Attach container's STDIN.") var interactive = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.") var detachKeys: String?
    @Argument(help: "Containers.") var containers: [String]

    func validate() throws {
        if containers.isEmpty { throw ValidationError("\"start\" requires at least 1 argument") }
        if (attach || interactive) && containers.count > 1 { throw ValidationError("you cannot start and attach multiple containers at once") }
    }

    func run() throws {
        var code: Int32 = 0
        try withClient { client in
            if attach || interactive {
                let inspect = try client.containerInspect(containers[0])
                code = try attachAndStart(client, id: inspect.id ?? containers[0], tty: inspect.config?.tty ?? false,
                                          stdin: interactive, stdout: true, stderr: true, sigProxy: true,
                                          detachKeys: detachKeys, condition: "next-exit")
                return
            }
            try forEachName(containers) { try client.containerStart($0) }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Runs `body` for every name, printing each name that worked (docker's
/// stop/rm/kill output) and each failure on stderr; fails at the end if any did.
func forEachName(_ names: [String], printing: Bool = true, _ body: (String) throws -> Void) throws {
    var failed = false
    for name in names {
        do {
            try body(name)
            if printing { print(name) }
        } catch let error as APIError {
            printError("Error response from daemon: \(error.message)")
            failed = true
        }
    }
    if failed { throw ExitCode(1) }
}
