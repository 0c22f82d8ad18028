import BerthAPI
import BerthEngine
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The daemon's configuration: flags over daemon.json (dockerd's keys:
/// "hosts", "data-root", "exec-root", "pidfile", "log-level", "debug",
/// "labels", "default-runtime" with "runtimes", "log-opts", "registry-mirrors",
/// "insecure-registries"). As dockerd, a
/// setting given both as a flag and in the file is an error.
struct DaemonSettings: Sendable {
    static let defaultConfigFile = "/etc/berth/daemon.json"
    static let defaultSocket = "/run/berth/berth.sock"

    var sockets: [String]
    /// tcp:// hosts, each served with TLS and client verification.
    var tcpListeners: [APIServer.TCPListener] = []
    var dataRoot: String
    var execRoot: String
    var pidfile: String
    var logLevel: Logger.Level
    var runtime: String?
    var labels: [String]
    var logOptions: [String: String]
    var registryMirrors: [String] = []
    var insecureRegistries: [String] = []
    /// The default network's bridge device and gateway/prefix (dockerd's --bridge, --bip).
    var bridge = "berth0"
    var bip: String?

    static func resolve(_ flags: Daemon) throws -> DaemonSettings {
        var file: [String: Any] = [:]
        if let data = FileManager.default.contents(atPath: flags.configFile) {
            let value: JSONValue
            do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
                throw BerthError.invalidArgument("unable to configure the daemon with file \(flags.configFile): \(error)")
            }
            guard case .object(let object) = value else {
                throw BerthError.invalidArgument("unable to configure the daemon with file \(flags.configFile): not a JSON object")
            }
            file = object.mapValues(native)
        } else if flags.configFile != defaultConfigFile {
            throw BerthError.notFound("unable to configure the daemon with file \(flags.configFile): no such file")
        }
        let known: Set<String> = ["hosts", "data-root", "exec-root", "pidfile", "log-level", "debug", "labels",
                                  "default-runtime", "runtimes", "log-opts", "log-driver", "live-restore",
                                  "registry-mirrors", "insecure-registries", "bridge", "bip",
                                  "tls", "tlsverify", "tlscacert", "tlscert", "tlskey"]
        if let unknown = file.keys.sorted().first(where: { !known.contains($0) }) {
            throw BerthError.invalidArgument("the following directives don't match any configuration option: \(unknown)")
        }
        var conflicts: [String] = []
        func pick<T>(_ flag: T?, _ key: String) -> T? {
            if let flag {
                if file[key] != nil { conflicts.append("\(key): (from flag: \(flag), from file: \(file[key]!))") }
                return flag
            }
            return file[key] as? T
        }
        let hosts = pick(flags.host.isEmpty ? nil : flags.host, "hosts") ?? ["unix://" + defaultSocket]
        let dataRoot = pick(flags.dataRoot, "data-root") ?? "/var/lib/berth"
        let execRoot = pick(flags.execRoot, "exec-root") ?? "/run/berth"
        let pidfile = pick(flags.pidfile, "pidfile") ?? execRoot + "/berth.pid"
        var levelText = pick(flags.logLevel, "log-level") ?? "info"
        if flags.debug || (file["debug"] as? Bool) == true { levelText = "debug" }
        var runtime = flags.runtime
        if runtime == nil, let name = file["default-runtime"] as? String {
            let runtimes = file["runtimes"] as? [String: Any]
            runtime = (runtimes?[name] as? [String: Any])?["path"] as? String
            if runtime == nil, name != "runc" {
                throw BerthError.invalidArgument("default-runtime \(name) is not in \"runtimes\"")
            }
        }
        guard conflicts.isEmpty else {
            throw BerthError.invalidArgument("the following directives are specified both as a flag and in the configuration file: \(conflicts.joined(separator: ", "))")
        }
        let mirrors = pick(flags.registryMirrors.isEmpty ? nil : flags.registryMirrors, "registry-mirrors") ?? []
        let insecure = pick(flags.insecureRegistries.isEmpty ? nil : flags.insecureRegistries, "insecure-registries") ?? []
        guard conflicts.isEmpty else {
            throw BerthError.invalidArgument("the following directives are specified both as a flag and in the configuration file: \(conflicts.joined(separator: ", "))")
        }
        for mirror in mirrors where !(mirror.hasPrefix("http://") || mirror.hasPrefix("https://")) {
            throw BerthError.invalidArgument("invalid mirror: unsupported scheme \"\(mirror)\" in \"\(mirror)\": must use either 'https://' or 'http://'")
        }
        let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "warn": .warning, "error": .error, "fatal": .critical]
        guard let level = levels[levelText] else {
            throw BerthError.invalidArgument("unable to parse logging level: \(levelText)")
        }
        var sockets: [String] = []
        var tcpHosts: [(String, Int)] = []
        for host in hosts {
            if host.hasPrefix("unix://"), host.count > 7 {
                sockets.append(String(host.dropFirst(7)))
            } else if host.hasPrefix("tcp://") {
                let address = String(host.dropFirst(6)).split(separator: "/").first.map(String.init) ?? ""
                guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                      port > 0, port < 65536 else {
                    throw BerthError.invalidArgument("invalid host \(host): expected tcp://ADDRESS:PORT")
                }
                var name = String(address[..<colon])
                if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
                tcpHosts.append((name.isEmpty ? "0.0.0.0" : name, port))
            } else {
                throw BerthError.invalidArgument("invalid host \(host): berth daemon listens on unix:///path or tcp://ADDRESS:PORT")
            }
        }
        let tlsVerify = flags.tlsVerify || (file["tlsverify"] as? Bool) == true
        if !tcpHosts.isEmpty && !tlsVerify {
            throw BerthError.invalidArgument("berth daemon serves tcp:// only with TLS client verification: add --tlsverify with --tlscacert, --tlscert and --tlskey")
        }
        let dockerDir = (ProcessInfo.processInfo.environment["DOCKER_CERT_PATH"]).flatMap { $0.isEmpty ? nil : $0 }
            ?? ((ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.docker")
        let ca = pick(flags.tlsCACert, "tlscacert") ?? dockerDir + "/ca.pem"
        let cert = pick(flags.tlsCert, "tlscert") ?? dockerDir + "/cert.pem"
        let key = pick(flags.tlsKey, "tlskey") ?? dockerDir + "/key.pem"
        let listeners = tcpHosts.map { APIServer.TCPListener(host: $0.0, port: $0.1, caPath: absolute(ca), certPath: absolute(cert),
                                                             keyPath: absolute(key)) }
        let bridge = pick(flags.bridge, "bridge") ?? "berth0"
        guard !bridge.isEmpty, bridge.utf8.count <= 15, bridge.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw BerthError.invalidArgument("invalid bridge name \"\(bridge)\": up to 15 letters, digits, - or _")
        }
        let bip = pick(flags.bip, "bip")
        guard conflicts.isEmpty else {
            throw BerthError.invalidArgument("the following directives are specified both as a flag and in the configuration file: \(conflicts.joined(separator: ", "))")
        }
        var settings = DaemonSettings(sockets: sockets, dataRoot: absolute(dataRoot), execRoot: absolute(execRoot),
                              pidfile: absolute(pidfile), logLevel: level, runtime: runtime,
                              labels: file["labels"] as? [String] ?? [],
                              logOptions: file["log-opts"] as? [String: String] ?? [:],
                              registryMirrors: mirrors, insecureRegistries: insecure)
        settings.bridge = bridge
        settings.bip = bip
        settings.tcpListeners = listeners
        return settings
    }

    /// A JSON value as Swift's own types (String, Double, Bool, [Any], [String: Any]).
    private static func native(_ value: JSONValue) -> Any {
        switch value {
        case .null: return Optional<Any>.none as Any
        case .bool(let bool): return bool
        case .number(let number): return number
        case .string(let string): return string
        case .array(let array): return array.map(native)
        case .object(let object): return object.mapValues(native)
        }
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
