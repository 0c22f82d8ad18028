import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The container's networks and volumes: the hooks the lifecycle calls
/// (create → prepare, start → set up, exit → tear down, remove → forget).
/// Without a network service (unit tests), containers keep the old
/// behaviour: loopback only, no volumes.
extension ContainerService {
    /// Gives the service its network and volume services (the daemon does).
    public func wire(network: NetworkService?, volumes: VolumeService?) {
        self.network = network
        self.volumes = volumes
    }

    public func runningIDs() -> Set<String> {
        Set(records.values.filter(\.isRunning).map(\.id))
    }

    /// The container a `network connect/disconnect` names, and whether it runs.
    func networkTarget(_ name: String) throws -> (String, Bool) {
        let record = try lookup(name)
        return (record.id, record.isRunning)
    }

    /// At create: what the container asks of networks and volumes is
    /// checked and recorded (docker refuses an unknown network at create).
    func prepareAttachments(_ record: ContainerRecord, request: ContainerCreateRequest, imageVolumes: [String]) throws {
        let mode = record.hostConfig.networkMode ?? "bridge"
        if mode.hasPrefix("container:") {
            let other = try lookup(String(mode.dropFirst(10)))
            guard other.id != record.id else { throw BerthError.invalidArgument("cannot join own network") }
        }
        try network?.prepare(containerID: record.id, name: record.name, host: record.hostConfig, config: record.config,
                             networking: request.networkingConfig)
        let from = try (record.hostConfig.volumesFrom ?? []).map { entry -> (id: String, mode: String) in
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            let mode = parts.count == 2 ? parts[1] : ""
            guard ["", "ro", "rw"].contains(mode) else { throw BerthError.invalidArgument("invalid mode for volumes-from: \(mode)") }
            return (try lookup(parts[0]).id, mode)
        }
        try volumes?.prepare(containerID: record.id, config: record.config, host: record.hostConfig,
                             imageVolumes: imageVolumes, volumesFrom: from)
    }

    struct Attached {
        var etcFiles: [(destination: String, source: String)]
        var namespacePath: String?
        var mounts: [RuntimeSpec.Mount]
        /// `NetworkService.applyFirewall()` is still to run before the container does.
        var firewallPending = false
    }

    /// At start, after the rootfs is mounted: the namespace, endpoints,
    /// ports and /etc files, and the volume mounts. Nil without services.
    func startAttachments(_ record: ContainerRecord) throws -> Attached? {
        guard let network else { return nil }
        let mounts = try volumes?.specMounts(containerID: record.id, rootfs: paths.rootfs(record.id)) ?? []
        let directory = paths.container(record.id)
        let hostname = record.config.hostname ?? record.shortID
        try DurableFile.write(directory + "/hostname", Array((hostname + "\n").utf8), durable: false)
        let mode = record.hostConfig.networkMode ?? "bridge"
        if mode.hasPrefix("container:") {
            // Joins the other container's namespace and shares its files, as docker does.
            let other = try lookup(String(mode.dropFirst(10)))
            guard other.status == .running, other.pid > 0 else {
                throw BerthError.conflict("cannot join network of a non running container: \(other.id)")
            }
            let otherDirectory = paths.container(other.id)
            return Attached(etcFiles: [("/etc/hostname", directory + "/hostname"), ("/etc/hosts", otherDirectory + "/hosts"),
                                       ("/etc/resolv.conf", otherDirectory + "/resolv.conf")],
                            namespacePath: "/proc/\(other.pid)/ns/net", mounts: mounts)
        }
        let attachment = try network.setUp(containerID: record.id, config: record.config, host: record.hostConfig)
        try DurableFile.write(directory + "/hosts", Array(attachment.hosts.utf8), durable: false)
        try DurableFile.write(directory + "/resolv.conf", Array(attachment.resolvConf.utf8), durable: false)
        return Attached(etcFiles: [("/etc/hostname", directory + "/hostname"), ("/etc/hosts", directory + "/hosts"),
                                   ("/etc/resolv.conf", directory + "/resolv.conf")],
                        namespacePath: attachment.namespacePath, mounts: mounts, firewallPending: attachment.firewallPending)
    }

    /// The container stopped (or failed to start): links, rules, DNS and
    /// on-use volume mounts go.
    func stopAttachments(_ id: String) {
        network?.tearDown(containerID: id)
        volumes?.release(containerID: id)
    }

    func forgetAttachments(_ id: String, removeVolumes: Bool) {
        network?.forget(containerID: id)
        volumes?.forget(containerID: id, removeAnonymous: removeVolumes)
    }
}
