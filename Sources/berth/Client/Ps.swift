import ArgumentParser
import BerthAPIModel
import BerthClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// `berth ps [-a] [-q] [-n N] [-l] [-s] [--filter K=V] [--format F] [--no-trunc]`.
struct Ps: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List containers.")
    @Flag(name: .shortAndLong, help: "Show all containers (default shows just running).") var all = false
    @Flag(name: .shortAndLong, help: "Only display container IDs.") var quiet = false
    @Option(name: [.customShort("n"), .long], help: "Show n last created containers (includes all states).") var last: Int?
    @Flag(name: [.customShort("l"), .long], help: "Show the latest created container (includes all states).") var latest = false
    @Flag(name: .shortAndLong, help: "Display total file sizes.") var size = false
    @Option(name: [.customShort("f"), .long], help: "Filter output based on conditions provided.") var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template subset (table, json, {{.Field}}).") var format: String?
    @Flag(name: .long, help: "Don't truncate output.") var noTrunc = false

    static let headers = ["ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
                          "RunningFor": "CREATED", "Ports": "PORTS", "Status": "STATUS", "Size": "SIZE", "Names": "NAMES",
                          "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS", "State": "STATE"]

    func run() throws {
        try withClient { client in
            let limit = latest ? 1 : last
            let list = try client.containerList(all: all || limit != nil, limit: limit, size: size, filters: try filterMap(filter))
            if quiet && format == nil { list.forEach { print(noTrunc ? $0.id ?? "" : shortID($0.id)) }; return }
            var template = format ?? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
            if size && format == nil { template += "\t{{.Size}}" }
            try Template(template).print(list.map(row), headers: Self.headers)
        }
    }

    /// docker's container formatter fields.
    private func row(_ c: ContainerSummary) -> JSONValue {
        var command = c.command ?? ""
        if !noTrunc && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let names = (c.names ?? []).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }.filter { noTrunc || !$0.contains("/") }
        var fields: [String: JSONValue] = [
            "ID": .string(noTrunc ? c.id ?? "" : shortID(c.id)),
            "Image": .string(c.image ?? ""),
            "Command": .string("\"\(command)\""),
            "CreatedAt": .string(unixDateText(c.created ?? 0)),
            "RunningFor": .string(createdAgo(c.created ?? 0)),
            "Ports": .string(portsText(c.ports ?? [])),
            "Status": .string(c.status ?? ""),
            "State": .string(c.state ?? ""),
            "Names": .string(names.joined(separator: ",")),
            "Labels": .string((c.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")),
            "Mounts": .string((c.mounts ?? []).map { $0.name ?? $0.source ?? "" }.joined(separator: ",")),
            "Networks": .string((c.networkSettings?.networks ?? [:]).keys.sorted().joined(separator: ",")),
        ]
        if size {
            fields["Size"] = .string("\(humanSize(c.sizeRw ?? 0)) (virtual \(humanSize((c.sizeRootFs ?? 0))))")
        } else {
            fields["Size"] = .string("0B")
        }
        return .object(fields)
    }
}

/// docker's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp".
func portsText(_ ports: [Port]) -> String {
    ports.sorted { ($0.privatePort ?? 0, $0.publicPort ?? 0) < ($1.privatePort ?? 0, $1.publicPort ?? 0) }.map { port in
        let proto = port.type ?? "tcp"
        guard let published = port.publicPort else { return "\(port.privatePort ?? 0)/\(proto)" }
        let ip = port.ip ?? "0.0.0.0"
        return "\(ip.contains(":") ? "[\(ip)]" : ip):\(published)->\(port.privatePort ?? 0)/\(proto)"
    }.joined(separator: ", ")
}
