import BerthSystem

/// A tar entry's path, cleaned lexically: `./a//b/../c` is `a/c`.
/// Absolute paths and `..` that climbs above the layer root are refused, as
/// moby's pkg/archive refuses a "breakout" (that check runs before any
/// filesystem lookup; openat2 is the second line of defence).
struct ArchivePath: Equatable, CustomStringConvertible {
    let components: [String]

    init(_ raw: String, entry: String, what: String = "path") throws {
        if raw.hasPrefix("/") {
            throw BerthError.invalidArgument("layer entry \"\(entry)\": absolute \(what) \"\(raw)\" is not allowed")
        }
        var components: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !components.isEmpty else {
                    throw BerthError.invalidArgument("layer entry \"\(entry)\": \(what) \"\(raw)\" escapes the layer root")
                }
                components.removeLast()
            default: components.append(String(part))
            }
        }
        self.components = components
    }

    var isRoot: Bool { components.isEmpty }
    var parent: [String] { Array(components.dropLast()) }
    var name: String { components.last ?? "." }
    var description: String { components.isEmpty ? "." : components.joined(separator: "/") }
}
