import BerthAPIModel
import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension VolumeService {
    /// At create: resolves `-v`/Binds, `--mount`, the image's and the
    /// request's VOLUMEs (anonymous volumes) and `--volumes-from` (given as
    /// container IDs with an optional ":ro"/":rw") into mounts, creating
    /// the volumes they name. Later sources never shadow an earlier
    /// destination, as in moby's `registerMountPoints`.
    func prepare(containerID: String, config: BerthAPIModel.ContainerConfig, host: HostConfig, imageVolumes: [String],
                 volumesFrom: [(id: String, mode: String)]) throws {
        try lock.withLock {
            var specs: [MountSpec] = []
            func add(_ spec: MountSpec) throws {
                guard spec.destination.hasPrefix("/") else {
                    throw BerthError.invalidArgument("invalid mount config: mount path must be absolute: \(spec.destination)")
                }
                if specs.contains(where: { $0.destination == spec.destination }) {
                    throw BerthError.invalidArgument("Duplicate mount point: \(spec.destination)")
                }
                specs.append(spec)
            }
            for bind in host.binds ?? [] {
                let parts = bind.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw BerthError.invalidArgument("invalid volume specification: '\(bind)'")
                }
                let modes = parts.count == 3 ? parts[2].split(separator: ",").map(String.init) : []
                for mode in modes where !["ro", "rw", "z", "Z", "nocopy", "rprivate", "private", "rslave", "slave", "rshared", "shared"].contains(mode) {
                    throw BerthError.invalidArgument("invalid mode: \(mode)")
                }
                let readOnly = modes.contains("ro")
                if parts[0].hasPrefix("/") {
                    try FileManager.default.createDirectory(atPath: parts[0], withIntermediateDirectories: true)
                    try add(MountSpec(kind: .bind, source: parts[0], destination: parts[1], readOnly: readOnly))
                } else {
                    try createLocked(name: parts[0], driver: nil, options: [:], labels: [:])
                    try add(MountSpec(kind: .volume, source: parts[0], destination: parts[1], readOnly: readOnly, noCopy: modes.contains("nocopy")))
                }
            }
            for mount in host.mounts ?? [] {
                let target = mount.target ?? ""
                switch mount.type ?? "volume" {
                case "bind":
                    let source = mount.source ?? ""
                    guard FileManager.default.fileExists(atPath: source) else {
                        throw BerthError.invalidArgument("invalid mount config for type \"bind\": bind source path does not exist: \(source)")
                    }
                    try add(MountSpec(kind: .bind, source: source, destination: target, readOnly: mount.readOnly ?? false))
                case "volume":
                    let options = mount.volumeOptions
                    let meta = try createLocked(name: mount.source, driver: options?.driverConfig?.name,
                                                options: options?.driverConfig?.options ?? [:],
                                                labels: (options?.labels ?? [:]).merging((mount.source ?? "").isEmpty ? ["com.docker.volume.anonymous": ""] : [:]) { a, _ in a })
                    try add(MountSpec(kind: .volume, source: meta.name, destination: target, readOnly: mount.readOnly ?? false,
                                      noCopy: options?.noCopy ?? false))
                case "tmpfs":
                    var opts: [String] = []
                    if let size = mount.tmpfsOptions?.sizeBytes, size > 0 { opts.append("size=\(size)") }
                    if let mode = mount.tmpfsOptions?.mode { opts.append("mode=" + String(mode, radix: 8)) }
                    try add(MountSpec(kind: .tmpfs, source: "tmpfs", destination: target, readOnly: mount.readOnly ?? false, options: opts))
                case let other:
                    throw BerthError.invalidArgument("invalid mount config: mount type \(other) is not supported by berth")
                }
            }
            for (id, mode) in volumesFrom {
                for var spec in usage[id] ?? [] where spec.kind != .tmpfs && !specs.contains(where: { $0.destination == spec.destination }) {
                    if mode == "ro" { spec.readOnly = true } else if mode == "rw" { spec.readOnly = false }
                    specs.append(spec)
                }
            }
            let anonymous = Set(imageVolumes).union((config.volumes ?? [:]).keys)
            for destination in anonymous.sorted() where !specs.contains(where: { $0.destination == destination }) {
                let meta = try createLocked(name: nil, driver: nil, options: [:], labels: ["com.docker.volume.anonymous": ""])
                try add(MountSpec(kind: .volume, source: meta.name, destination: destination, readOnly: false))
            }
            // A container without mounts changes nothing on disk.
            guard !specs.isEmpty || usage[containerID] != nil else { return }
            usage[containerID] = specs.isEmpty ? nil : specs
            try saveUsage()
        }
    }

    /// At start: mounts volumes with driver options, copies the image's
    /// content into fresh empty volumes, and returns the OCI mounts.
    func specMounts(containerID: String, rootfs: String) throws -> [RuntimeSpec.Mount] {
        try lock.withLock {
            var result: [RuntimeSpec.Mount] = []
            let specs = (usage[containerID] ?? []).sorted { $0.destination.split(separator: "/").count < $1.destination.split(separator: "/").count }
            for spec in specs {
                let access = spec.readOnly ? "ro" : "rw"
                switch spec.kind {
                case .bind:
                    result.append(.init(destination: spec.destination, type: "bind", source: spec.source, options: ["rbind", access, "rprivate"]))
                case .tmpfs:
                    result.append(.init(destination: spec.destination, type: "tmpfs", source: "tmpfs",
                                        options: ["nosuid", "nodev", "noexec", access] + spec.options))
                case .volume:
                    guard var meta = meta(spec.source) else {
                        throw BerthError.notFound("get \(spec.source): no such volume")
                    }
                    try mountOnUse(meta, containerID: containerID)
                    if meta.fresh {
                        if !spec.noCopy { try copyUp(from: rootfs, path: spec.destination, into: dataPath(meta.name)) }
                        meta.fresh = false
                        try write(meta)
                    }
                    result.append(.init(destination: spec.destination, type: "bind", source: dataPath(meta.name), options: ["rbind", access, "rprivate"]))
                    emit("mount", meta.name, ["container": containerID, "destination": spec.destination,
                                              "read/write": String(!spec.readOnly), "propagation": ""])
                }
            }
            return result
        }
    }

    /// moby's copyExistingContents: only into an empty volume, only from a
    /// directory of the image that stays inside the rootfs.
    func copyUp(from rootfs: String, path: String, into data: String) throws {
        let source = rootfs + path
        guard let resolved = realpath(source, nil) else { return }
        let real = String(cString: resolved)
        free(resolved)
        guard real == rootfs || real.hasPrefix(rootfs + "/") else { return }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: real)) ?? []
        guard !contents.isEmpty, ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).isEmpty else { return }
        let result = try Subprocess.run("/bin/cp", ["-a", real + "/.", data + "/"])
        guard result.status == 0 else {
            throw BerthError.internalError("copy image content of \(path) into volume: cp -a failed: \(result.stderr)")
        }
    }

    /// Volumes with type/device/o are mounted while a container uses them.
    func mountOnUse(_ meta: Meta, containerID: String) throws {
        guard let type = meta.options["type"], let device = meta.options["device"] else { return }
        var users = active[meta.name] ?? []
        if users.isEmpty {
            var flags: UInt = 0
            var data: [String] = []
            for option in (meta.options["o"] ?? "").split(separator: ",").map(String.init) {
                switch option {
                case "ro": flags |= UInt(MS_RDONLY)
                case "bind": flags |= UInt(MS_BIND)
                case "rbind": flags |= UInt(MS_BIND | MS_REC)
                case "nosuid": flags |= UInt(MS_NOSUID)
                case "nodev": flags |= UInt(MS_NODEV)
                case "noexec": flags |= UInt(MS_NOEXEC)
                default: data.append(option)
                }
            }
            unmountIfMounted(meta.name)
            let joined = data.joined(separator: ",")
            let target = dataPath(meta.name)
            let rc = joined.isEmpty ? mount(device, target, type, flags, nil) : mount(device, target, type, flags, joined)
            guard rc == 0 else {
                throw BerthError(SystemError("mount \(type) \(device)", path: dataPath(meta.name), errno: errno),
                                 while: "mount volume \(meta.name)")
            }
        }
        users.insert(containerID)
        active[meta.name] = users
    }

    /// At stop: volumes mounted on use are unmounted when no running
    /// container needs them; each volume the container had reports `unmount`.
    func release(containerID: String) {
        lock.withLock {
            for spec in usage[containerID] ?? [] where spec.kind == .volume {
                emit("unmount", spec.source, ["container": containerID])
            }
            for (name, users) in active where users.contains(containerID) {
                var remaining = users
                remaining.remove(containerID)
                active[name] = remaining.isEmpty ? nil : remaining
                if remaining.isEmpty { unmountIfMounted(name) }
            }
        }
    }

    /// At remove: forgets the container's mounts; `docker rm -v` also
    /// removes its anonymous volumes that nothing else uses.
    func forget(containerID: String, removeAnonymous: Bool) {
        lock.withLock {
            guard let specs = usage.removeValue(forKey: containerID) else { return }
            try? saveUsage()
            guard removeAnonymous else { return }
            for spec in specs where spec.kind == .volume {
                guard let meta = meta(spec.source), meta.labels["com.docker.volume.anonymous"] != nil, usersLocked(spec.source).isEmpty else { continue }
                try? removeLocked(spec.source, force: true)
            }
        }
    }

    /// Inspect's Mounts.
    func mountPoints(containerID: String) -> [MountPoint] {
        lock.withLock {
            (usage[containerID] ?? []).map { spec in
                switch spec.kind {
                case .volume:
                    return MountPoint(type: "volume", name: spec.source, source: dataPath(spec.source), destination: spec.destination,
                                      driver: "local", mode: spec.readOnly ? "ro" : "z", rw: !spec.readOnly, propagation: "")
                case .bind:
                    return MountPoint(type: "bind", source: spec.source, destination: spec.destination,
                                      mode: spec.readOnly ? "ro" : "", rw: !spec.readOnly, propagation: "rprivate")
                case .tmpfs:
                    return MountPoint(type: "tmpfs", source: "", destination: spec.destination, mode: "", rw: !spec.readOnly, propagation: "")
                }
            }
        }
    }
}
