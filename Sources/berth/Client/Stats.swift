import ArgumentParser
import BerthAPIModel
import BerthClient
#if canImport(Glibc)
import Glibc
#endif

/// `berth stats [--no-stream] [-a] [--format F] [CONTAINER...]`: docker's
/// columns, computed as docker's CLI does from one sample with its
/// pre-sample (CPU % from the usage deltas, memory without the page cache).
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Display a live stream of container(s) resource usage statistics.")
    @Flag(name: .shortAndLong, help: "Show all containers (default shows just running).") var all = false
    @Flag(name: .customLong("no-stream"), help: "Disable streaming stats and only pull the first result.") var noStream = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.") var noTrunc = false
    @Option(name: .long, help: "Format output using a Go template subset.") var format: String?
    @Argument(help: "Containers (default: all running).") var containers: [String] = []

    static let headers = ["ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
                          "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"]

    func run() throws {
        try withClient { client in
            let template = try Template(format ?? "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}")
            repeat {
                let names = containers.isEmpty ? try client.containerList(all: all).compactMap(\.id) : containers
                var rows: [JSONValue] = []
                for name in names {
                    let response = try client.containerStats(name, stream: false)
                    let sample = try response.decode(ContainerStatsResponse.self)
                    rows.append(row(sample, asked: name))
                }
                if !noStream && stdoutIsTerminal { writeAll(STDOUT_FILENO, Array("\u{1B}[2J\u{1B}[H".utf8)) }
                try template.print(rows, headers: Self.headers)
                if !noStream { sleep(1) }
            } while !noStream
        }
    }

    private func row(_ s: ContainerStatsResponse, asked: String) -> JSONValue {
        let cpuDelta = Double(s.cpuStats?.cpuUsage?.totalUsage ?? 0) - Double(s.precpuStats?.cpuUsage?.totalUsage ?? 0)
        let systemDelta = Double(s.cpuStats?.systemCpuUsage ?? 0) - Double(s.precpuStats?.systemCpuUsage ?? 0)
        let cpus = Double(s.cpuStats?.onlineCpus ?? UInt32(s.cpuStats?.cpuUsage?.percpuUsage?.count ?? 1))
        let cpu = systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * cpus * 100 : 0
        // docker's calculateMemUsageUnixNoCache: usage minus inactive_file (v2) or total_inactive_file (v1).
        let stats = s.memoryStats?.stats ?? [:]
        let cache = stats["inactive_file"] ?? stats["total_inactive_file"] ?? 0
        let usage = Double((s.memoryStats?.usage ?? 0) > cache ? (s.memoryStats?.usage ?? 0) - cache : 0)
        let limit = Double(s.memoryStats?.limit ?? 0)
        var rx: UInt64 = 0, tx: UInt64 = 0
        for network in (s.networks ?? [:]).values { rx += network.rxBytes ?? 0; tx += network.txBytes ?? 0 }
        var read: UInt64 = 0, write: UInt64 = 0
        for entry in s.blkioStats?.ioServiceBytesRecursive ?? [] {
            switch entry.op?.lowercased() {
            case "read": read += entry.value ?? 0
            case "write": write += entry.value ?? 0
            default: break
            }
        }
        var name = s.name ?? ""
        if name.hasPrefix("/") { name.removeFirst() }
        return .object([
            "ID": .string(noTrunc ? s.id ?? "" : shortID(s.id)), "Container": .string(asked), "Name": .string(name.isEmpty ? "--" : name),
            "CPUPerc": .string(twoDecimals(cpu) + "%"),
            "MemUsage": .string(binarySize(Int64(usage)) + " / " + binarySize(Int64(limit))),
            "MemPerc": .string(twoDecimals(limit > 0 ? usage / limit * 100 : 0) + "%"),
            "NetIO": .string(humanSize(Int64(rx)) + " / " + humanSize(Int64(tx))),
            "BlockIO": .string(humanSize(Int64(read)) + " / " + humanSize(Int64(write))),
            "PIDs": .string(String(s.pidsStats?.current ?? 0)),
        ])
    }
}
