import ArgumentParser
import BerthOCI
import BerthRuntime
import BerthSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `ps`: the processes of a container (json: their pids, as runc).
struct RuntimePs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the processes in a container.")
    @Option(name: [.short, .long], help: "table or json") var format = "table"
    @Argument var id: String
    @Argument(parsing: .captureForPassthrough) var psArgs: [String] = []

    func run() throws {
        let pids = try RuntimeGlobals.current.makeRuntime().processes(id: id)
        if format == "json" { try printJSON(pids); return }
        guard format == "table" else { throw ValidationError("--format: want table or json, not \(format.debugDescription)") }
        print("PID    CMD")
        for pid in pids {
            let cmd = (try? String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), as: UTF8.self))?
                .split(separator: "\0").joined(separator: " ") ?? ""
            print("\(String(pid).padded(6)) \(cmd)")
        }
    }
}

struct RuntimePause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process in a container.")
    @Argument var id: String
    func run() throws { try RuntimeGlobals.current.makeRuntime().pause(id: id) }
}

struct RuntimeResume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.")
    @Argument var id: String
    func run() throws { try RuntimeGlobals.current.makeRuntime().resume(id: id) }
}

/// `list`: runc list.
struct RuntimeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the containers in --root.")
    @Option(name: [.short, .long]) var format = "table"
    @Flag(name: [.short, .long]) var quiet = false
    func run() throws {
        let all = RuntimeGlobals.current.makeRuntime().list()
        if quiet { all.forEach { print($0.id) }; return }
        if format == "json" { try printJSON(all); return }
        print("ID                   PID      STATUS    BUNDLE")
        for s in all {
            print("\(s.id.padded(20)) \(String(s.pid).padded(8)) \(s.status.rawValue.padded(9)) \(s.bundle)")
        }
    }
}

/// `spec`: writes runc's default config.json into the bundle.
struct RuntimeSpec_: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json (as runc spec).")
    @Option(name: [.short, .long]) var bundle = "."
    @Flag(help: "Accepted for runc compatibility; not supported yet.") var rootless = false

    func run() throws {
        if rootless { throw BerthError.invalidArgument("spec --rootless: rootless containers are not supported yet") }
        let path = bundle + "/config.json"
        if access(path, F_OK) == 0 { throw BerthError.conflict("\(path) already exists; remove it first") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(DefaultSpec.make()).write(to: URL(fileURLWithPath: path))
    }
}

extension String {
    /// Left-aligned in `width` columns (FoundationEssentials has no padding(toLength:)).
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
