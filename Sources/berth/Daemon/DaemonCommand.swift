import ArgumentParser
import BerthAPI
import BerthEngine
import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// `berth daemon` (or the binary invoked as `berthd`): the engine serving
/// the Docker Engine API on a Unix socket, with dockerd's flags and
/// daemon.json keys for the ones berth has.
struct Daemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the engine: serve the Docker Engine API on a Unix socket.")

    @Option(name: [.customShort("H"), .long], help: "Daemon socket to listen on (unix:///path, or tcp://host:port with --tlsverify).")
    var host: [String] = []

    @Option(name: .customLong("data-root"), help: "Root of persistent state (default /var/lib/berth).")
    var dataRoot: String?

    @Option(name: .customLong("exec-root"), help: "Root of runtime state: monitors, runtime state (default /run/berth).")
    var execRoot: String?

    @Option(name: .customLong("pidfile"), help: "Path of the daemon's pid file (default <exec-root>/berth.pid).")
    var pidfile: String?

    @Option(name: .customLong("config-file"), help: "Daemon configuration file, dockerd's daemon.json keys.")
    var configFile: String = DaemonSettings.defaultConfigFile

    @Option(name: [.customShort("l"), .customLong("log-level")], help: "debug, info, warn, error or fatal.")
    var logLevel: String?

    @Option(name: .customLong("runtime"), help: "OCI runtime executable with runc's command line (default: berth runtime, else /usr/sbin/runc).")
    var runtime: String?

    @Option(name: .customLong("registry-mirror"), help: "Preferred Docker registry mirror (repeatable), as dockerd's.")
    var registryMirrors: [String] = []

    @Option(name: .customLong("insecure-registry"), help: "Registry (host[:port] or CIDR) reached over plain HTTP or unverified TLS (repeatable); loopback always is.")
    var insecureRegistries: [String] = []

    @Option(name: [.customShort("b"), .customLong("bridge")], help: "Bridge device of the default network (default berth0).")
    var bridge: String?

    @Option(name: .customLong("bip"), help: "Gateway address and prefix of the default bridge (e.g. 172.18.0.1/16).")
    var bip: String?

    @Flag(name: .customLong("tlsverify"), help: "Serve tcp:// hosts with TLS, and only to clients with a certificate --tlscacert signed.")
    var tlsVerify = false
    @Option(name: .customLong("tlscacert"), help: "CA that signs client certificates (default ~/.docker/ca.pem).")
    var tlsCACert: String?
    @Option(name: .customLong("tlscert"), help: "The server's TLS certificate (default ~/.docker/cert.pem).")
    var tlsCert: String?
    @Option(name: .customLong("tlskey"), help: "The server's TLS key (default ~/.docker/key.pem).")
    var tlsKey: String?

    @Flag(name: [.customShort("D"), .long], help: "Debug logging (log level debug).")
    var debug = false

    func run() throws {
        let settings = try DaemonSettings.resolve(self)
        // ArgumentParser's root command is synchronous: run the daemon on
        // the cooperative pool and block this thread until it ends.
        let done = DispatchSemaphore(value: 0)
        let failure = ErrorBox()
        Task {
            do { try await DaemonRunner(settings: settings).run() } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        if let error = failure.error {
            FileHandleStderr.write("berth daemon: \(error)\n")
            throw ExitCode(1)
        }
    }
}

final class ErrorBox: @unchecked Sendable {
    var error: (any Error)?
}

extension Berth {
    /// `berthd` is `berth daemon` (argv[0] decides, as balenaEngine does).
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let invokedAs = (CommandLine.arguments.first ?? "").split(separator: "/").last.map(String.init) ?? ""
        if invokedAs == "berthd" { arguments.insert("daemon", at: 0) }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
