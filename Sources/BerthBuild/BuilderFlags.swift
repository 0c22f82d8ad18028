/// The `--name=value` flags of one instruction, checked against the flags that
/// instruction declares (buildkit's instructions/bflag.go).
struct BuilderFlags {
    enum FlagType { case bool, string, strings }

    private var declared: [String: FlagType] = [:]
    private(set) var values: [String: [String]] = [:]

    init(_ declarations: [String: FlagType]) {
        declared = declarations
    }

    /// Parses `raw` ("--from=x", "--link") and fails on unknown or repeated flags.
    mutating func parse(_ raw: [String]) throws {
        for arg in raw {
            guard arg.hasPrefix("--") else { throw InstructionError("Arg should start with -- : \(arg)") }
            if arg == "--" { return }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let type = declared[name] else { throw InstructionError("unknown flag: \(name)") }
            if values[name] != nil && type != .strings {
                throw InstructionError("Duplicate flag specified: \(name)")
            }
            switch type {
            case .bool:
                if let value, value.isEmpty { throw InstructionError("Missing a value on flag: \(name)") }
                let lowered = value?.lowercased() ?? "true"
                guard lowered == "true" || lowered == "false" else {
                    throw InstructionError("Expecting boolean value for flag \(name), not: \(value ?? "")")
                }
                values[name] = [lowered]
            case .string, .strings:
                guard let value else { throw InstructionError("Missing a value on flag: \(name)") }
                values[name, default: []].append(value)
            }
        }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func strings(_ name: String) -> [String] { values[name] ?? [] }
    func bool(_ name: String) -> Bool { values[name]?.last == "true" }
}
