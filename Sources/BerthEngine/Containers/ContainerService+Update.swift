import BerthOCI
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `docker update` (moby's daemon/update.go): new resource limits and
/// restart policy, kept in the record and, for a live container, applied
/// to its cgroup by the runtime's `update`. As in docker, a zero (or
/// absent) field leaves the current value.
extension ContainerService {
    func update(_ name: String, _ request: ContainerUpdateRequest) async throws -> ContainerUpdateResponse {
        var record = try lookup(name)
        var host = record.hostConfig
        func set<T: Equatable & Numeric>(_ value: T?, _ path: WritableKeyPath<HostConfig, T?>) {
            if let value, value != 0 { host[keyPath: path] = value }
        }
        set(request.memory, \.memory)
        set(request.memorySwap, \.memorySwap)
        set(request.memoryReservation, \.memoryReservation)
        set(request.cpuShares, \.cpuShares)
        set(request.cpuQuota, \.cpuQuota)
        set(request.cpuPeriod, \.cpuPeriod)
        set(request.pidsLimit, \.pidsLimit)
        set(request.blkioWeight, \.blkioWeight)
        if let nano = request.nanoCpus, nano != 0 {
            host.nanoCpus = nano
            // --cpus replaces an earlier quota/period, which would otherwise conflict.
            if request.cpuQuota == nil { host.cpuQuota = nil }
            if request.cpuPeriod == nil { host.cpuPeriod = nil }
        }
        if let cpus = request.cpusetCpus, !cpus.isEmpty { host.cpusetCpus = cpus }
        if let mems = request.cpusetMems, !mems.isEmpty { host.cpusetMems = mems }
        if let policy = request.restartPolicy, let policyName = policy.name, !policyName.isEmpty {
            host.restartPolicy = policy
        }
        if let memory = host.memory, memory > 0, let swap = host.memorySwap, swap > 0, swap < memory {
            throw BerthError.invalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if host.autoRemove == true, let policy = host.restartPolicy?.name, !["", "no"].contains(policy) {
            throw BerthError.invalidArgument("Cannot update container \(record.id): Restart policy cannot be updated because AutoRemove is enabled for the container")
        }
        try Self.validate(host)
        record.hostConfig = host

        if record.isRunning {
            let builder = SpecBuilder(record: record, rootfs: paths.rootfs(record.id), etcFiles: [], cgroupsPath: "")
            var resources = try builder.resources(privileged: host.privileged ?? false)
            resources.devices = nil // devices are not updated (docker update has no flag for them)
            let file = paths.monitor(record.id).directory + "/update.json"
            try DurableFile.write(file, Array(try JSONEncoder().encode(resources)))
            defer { unlink(file) }
            do {
                try await runtime.update(record.id, resources: file)
            } catch let error as BerthError {
                throw BerthError(error.code, "Cannot update container \(record.id): \(error.message)")
            }
        }
        try save(record)
        emit("update", record)
        return ContainerUpdateResponse(warnings: [])
    }
}
