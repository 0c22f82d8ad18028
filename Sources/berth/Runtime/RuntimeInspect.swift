import BerthOCI
import BerthRuntime
import BerthSystem
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `ps`: the processes of a container (json: their pids, as runc).
struct RuntimePs: RuntimeVerb {
    static let spec = CommandSpec("berth runtime ps", abstract: "List the processes in a container.", options: [
        .init("format", short: "f", value: "FORMAT", default: "table", help: "table or json."),
    ], positionals: [containerID, .init("PS_ARGS", "ps arguments", .rest)])

    let id: String
    let format: String

    /// ps's own arguments (the rest) are accepted as runc's, and not used: the table is berth's own.
    init(_ a: ParsedArguments) {
        id = a.positionals[0]
        format = a.string("format")
    }

    func run() throws {
        let pids = try RuntimeGlobals.current.makeRuntime().processes(id: id)
        if format == "json" { try printJSON(pids); return }
        guard format == "table" else { throw ArgumentError("--format: want table or json, not \(format.debugDescription)") }
        print("PID    CMD")
        for pid in pids {
            let cmd = (try? String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), as: UTF8.self))?
                .split(separator: "\0").joined(separator: " ") ?? ""
            print("\(String(pid).padded(6)) \(cmd)")
        }
    }
}

struct RuntimePause: RuntimeVerb {
    static let spec = CommandSpec("berth runtime pause", abstract: "Freeze every process in a container.", positionals: [containerID])
    let id: String
    init(_ a: ParsedArguments) { id = a.positionals[0] }
    func run() throws { try RuntimeGlobals.current.makeRuntime().pause(id: id) }
}

struct RuntimeResume: RuntimeVerb {
    static let spec = CommandSpec("berth runtime resume", abstract: "Thaw a paused container.", positionals: [containerID])
    let id: String
    init(_ a: ParsedArguments) { id = a.positionals[0] }
    func run() throws { try RuntimeGlobals.current.makeRuntime().resume(id: id) }
}

/// `list`: runc list.
struct RuntimeList: RuntimeVerb {
    static let spec = CommandSpec("berth runtime list", abstract: "List the containers in --root.", options: [
        .init("format", short: "f", value: "FORMAT", default: "table", help: "table or json."),
        .init(flag: "quiet", short: "q", help: "Print only the container ids."),
    ])
    let format: String
    let quiet: Bool
    init(_ a: ParsedArguments) {
        format = a.string("format")
        quiet = a.flag("quiet")
    }
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
struct RuntimeSpec_: RuntimeVerb {
    static let spec = CommandSpec("berth runtime spec", abstract: "Write a default config.json (as runc spec).", options: [
        .init("bundle", short: "b", value: "DIR", default: ".", help: "The bundle directory to write config.json into."),
        .init(flag: "rootless", help: "Accepted for runc compatibility; not supported yet."),
    ])
    let bundle: String
    let rootless: Bool
    init(_ a: ParsedArguments) {
        bundle = a.string("bundle")
        rootless = a.flag("rootless")
    }

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
