import ArgumentParser
import BerthOCI
import BerthRuntime
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `update`: runc update — new cgroup limits for a container, from a
/// `linux.resources` JSON (`-r FILE`, `-r -` for stdin) and/or runc's flags.
struct RuntimeUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Update a container's cgroup limits.")
    @Option(name: [.short, .long], help: "A JSON file of linux.resources (- for stdin).") var resources: String?
    @Option(help: "Memory limit in bytes.") var memory: Int64?
    @Option(help: "Memory plus swap limit in bytes (-1: unlimited).") var memorySwap: Int64?
    @Option(help: "Memory soft limit in bytes.") var memoryReservation: Int64?
    @Option(help: "CPU shares (relative weight).") var cpuShares: UInt64?
    @Option(help: "CPU CFS quota in microseconds.") var cpuQuota: Int64?
    @Option(help: "CPU CFS period in microseconds.") var cpuPeriod: UInt64?
    @Option(help: "CPUs the container may run on (0-3, 0,1).") var cpusetCpus: String?
    @Option(help: "Memory nodes the container may use.") var cpusetMems: String?
    @Option(help: "Maximum number of pids (-1: unlimited).") var pidsLimit: Int64?
    @Option(help: "Block IO weight (10-1000).") var blkioWeight: UInt16?
    @Argument(help: "The container id.") var id: String

    func run() throws {
        var r = RuntimeSpec.Resources()
        if let resources {
            let data: [UInt8] = resources == "-" ? try readAll(0, what: "stdin") : try readFile(resources)
            do {
                r = try JSONDecoder().decode(RuntimeSpec.Resources.self, from: Data(data))
            } catch {
                throw BerthError.invalidArgument("update: \(resources == "-" ? "stdin" : resources) is not valid linux.resources JSON: \(error)")
            }
        }
        if memory != nil || memorySwap != nil || memoryReservation != nil {
            var m = r.memory ?? RuntimeSpec.Memory()
            if let memory { m.limit = memory }
            if let memorySwap { m.swap = memorySwap }
            if let memoryReservation { m.reservation = memoryReservation }
            r.memory = m
        }
        if cpuShares != nil || cpuQuota != nil || cpuPeriod != nil || cpusetCpus != nil || cpusetMems != nil {
            var c = r.cpu ?? RuntimeSpec.CPU()
            if let cpuShares { c.shares = cpuShares }
            if let cpuQuota { c.quota = cpuQuota }
            if let cpuPeriod { c.period = cpuPeriod }
            if let cpusetCpus { c.cpus = cpusetCpus }
            if let cpusetMems { c.mems = cpusetMems }
            r.cpu = c
        }
        if let pidsLimit { r.pids = RuntimeSpec.Pids(limit: pidsLimit) }
        if let blkioWeight {
            var b = r.blockIO ?? RuntimeSpec.BlockIO()
            b.weight = blkioWeight
            r.blockIO = b
        }
        try RuntimeGlobals.current.makeRuntime().update(id: id, resources: r)
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError(SystemError("open", path: path, errno: errno), while: "update: read resources") }
        defer { close(fd) }
        return try readAll(fd, what: path)
    }

    private func readAll(_ fd: Int32, what: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return result }
            if n < 0 {
                if errno == EINTR { continue }
                throw BerthError(SystemError("read", path: what, errno: errno), while: "update: read resources")
            }
            result += buffer[0..<n]
        }
    }
}
