import ArgumentParser
import BerthAPIModel
import BerthClient

/// `berth inspect [-f FORMAT] [--type T] NAME...`: containers, images,
/// networks or volumes, as docker's JSON array or through a template.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Return low-level information on Docker objects.")
    @Option(name: [.customShort("f"), .long], help: "Format output using a Go template subset.") var format: String?
    @Option(name: .long, help: "Only inspect objects of this type (container, image, network, volume).") var type: String?
    @Flag(name: .shortAndLong, help: "Display total file sizes if the type is container.") var size = false
    @Argument(help: "Names or IDs.") var names: [String]

    static let paths: [(String, @Sendable (String) -> String)] = [
        ("container", { "/containers/\(Query.pathSegment($0))/json" }),
        ("image", { "/images/\(Query.pathSegment($0))/json" }),
        ("network", { "/networks/\(Query.pathSegment($0))" }),
        ("volume", { "/volumes/\(Query.pathSegment($0))" }),
    ]

    func validate() throws {
        if names.isEmpty { throw ValidationError("\"inspect\" requires at least 1 argument") }
        if let type, !Self.paths.contains(where: { $0.0 == type }) { throw ValidationError("\"\(type)\" is not a valid value for --type") }
    }

    func run() throws {
        try withClient { client in
            try printInspected(names, format: format) { name in
                for (kind, path) in Self.paths where type == nil || type == kind {
                    var query = Query()
                    if kind == "container" { query.flag("size", size) }
                    do { return try client.get(JSONValue.self, path(name), query: query) } catch let error as APIError where error.status == 404 { continue }
                }
                throw APIError(status: 404, message: "No such object: \(name)")
            }
        }
    }
}

/// Prints objects as docker's inspect does: a JSON array, or one template
/// line each; a name that fails is reported and the command exits 1 at the end.
func printInspected(_ names: [String], format: String?, _ fetch: (String) throws -> JSONValue) throws {
    let template = try format.map(Template.init)
    var found: [JSONValue] = []
    var failed = false
    for name in names {
        do {
            let value = try fetch(name)
            if let template { print(try template.render(value)) } else { found.append(value) }
        } catch let error as APIError {
            printError("Error: \(error.message)")
            failed = true
        }
    }
    if template == nil { print(try prettyJSON(found)) }
    if failed { throw ExitCode(1) }
}
