import BerthOCI
import BerthRuntime
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `update`: runc update — new cgroup limits for a container, from a
/// `linux.resources` JSON (`-r FILE`, `-r -` for stdin) and/or runc's flags.
struct RuntimeUpdate: RuntimeVerb {
    static let spec = CommandSpec("berth runtime update", abstract: "Update a container's cgroup limits.", options: [
        .init("resources", short: "r", value: "FILE", help: "A JSON file of linux.resources (- for stdin)."),
        .init("memory", value: "BYTES", help: "Memory limit in bytes."),
        .init("memory-swap", value: "BYTES", help: "Memory plus swap limit in bytes (-1: unlimited)."),
        .init("memory-reservation", value: "BYTES", help: "Memory soft limit in bytes."),
        .init("cpu-shares", value: "N", help: "CPU shares (relative weight)."),
        .init("cpu-quota", value: "MICROSECONDS", help: "CPU CFS quota in microseconds."),
        .init("cpu-period", value: "MICROSECONDS", help: "CPU CFS period in microseconds."),
        .init("cpuset-cpus", value: "CPUS", help: "CPUs the container may run on (0-3, 0,1)."),
        .init("cpuset-mems", value: "NODES", help: "Memory nodes the container may use."),
        .init("pids-limit", value: "N", help: "Maximum number of pids (-1: unlimited)."),
        .init("blkio-weight", value: "N", help: "Block IO weight (10-1000)."),
    ], positionals: [containerID])

    let id: String
    let resources: String?
    let memory: Int64?
    let memorySwap: Int64?
    let memoryReservation: Int64?
    let cpuShares: UInt64?
    let cpuQuota: Int64?
    let cpuPeriod: UInt64?
    let cpusetCpus: String?
    let cpusetMems: String?
    let pidsLimit: Int64?
    let blkioWeight: UInt16?

    init(_ a: ParsedArguments) throws {
        id = a.positionals[0]
        resources = a.value("resources")
        memory = try a.number("memory")
        memorySwap = try a.number("memory-swap")
        memoryReservation = try a.number("memory-reservation")
        cpuShares = try a.number("cpu-shares")
        cpuQuota = try a.number("cpu-quota")
        cpuPeriod = try a.number("cpu-period")
        cpusetCpus = a.value("cpuset-cpus")
        cpusetMems = a.value("cpuset-mems")
        pidsLimit = try a.number("pids-limit")
        blkioWeight = try a.number("blkio-weight")
    }

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
