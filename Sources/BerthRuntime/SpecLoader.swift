#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import CBerth
import FoundationEssentials

/// Reads and checks a bundle's config.json, with errors that name the file,
/// the field and what was wrong.
public enum SpecLoader {
    public static func load(bundle: String) throws -> RuntimeSpec { try loadWithBytes(bundle: bundle).spec }

    /// The spec and the bytes of config.json it was decoded from.
    static func loadWithBytes(bundle: String) throws -> (spec: RuntimeSpec, bytes: [UInt8]) {
        let path = bundle + "/config.json"
        let bytes: [UInt8]
        do { bytes = try readFile(path) } catch let e as SystemError {
            if e.errno == ENOENT { throw BerthError.notFound("\(path): no config.json in the bundle (make one with `berth runtime spec`)") }
            throw BerthError(e, while: "reading \(path)")
        }
        return (try decode(bytes, file: path), bytes)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> RuntimeSpec {
        let spec: RuntimeSpec
        do { spec = try JSONDecoder().decode(RuntimeSpec.self, from: Data(bytes)) } catch let e as DecodingError {
            throw BerthError.invalidArgument("\(file): \(describe(e))")
        }
        guard spec.ociVersion.hasPrefix("1.") else {
            throw BerthError.invalidArgument("\(file): ociVersion \(spec.ociVersion.debugDescription) is not a 1.x runtime spec")
        }
        return spec
    }

    /// "process.user.uid: expected a number" from a DecodingError.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            var keys = ctx.codingPath
            if let last { keys.append(last) }
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "(top level)" : out
        }
        switch error {
        case .typeMismatch(let type, let ctx): return "\(path(ctx)): expected \(typeName(type)) — \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx): return "\(path(ctx)): missing \(typeName(type))"
        case .keyNotFound(let key, let ctx): return "\(path(ctx, key)): required field is missing"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "malformed JSON: \(ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription)" }
            return "\(path(ctx)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt32.Type, is UInt64.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object (\(name))"
        }
    }

    /// root.path resolved against the bundle; it must be a directory.
    public static func rootfs(_ spec: RuntimeSpec, bundle: String) throws -> String {
        guard let root = spec.root?.path, !root.isEmpty else {
            throw BerthError.invalidArgument("root.path: config.json names no root filesystem")
        }
        var path = root.hasPrefix("/") ? root : bundle + "/" + root
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard realpath(path, &resolved) != nil else {
            throw BerthError(.notFound, "root.path: rootfs \(path) does not exist", cause: SystemError("realpath", path: path, errno: errno))
        }
        path = String(cString: resolved)
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw BerthError.invalidArgument("root.path: rootfs \(path) is not a directory")
        }
        return path
    }
}

extension HostFacts {
    /// The facts for a container of `spec` with its cgroup.
    static func current(spec: RuntimeSpec, bundle: String, rootfs: String, cgroup: Cgroup) -> HostFacts {
        var facts = HostFacts()
        facts.lastCap = CapabilityNames.lastCap
        facts.bounding = CapabilityNames.bounding().reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
        // RAMFS_MAGIC: an initramfs root cannot be pivoted away from.
        if berth_statfs_type(rootfs) == 0x8584_58f6 { facts.rootfsOnRamfs = true }
        facts.hasKcore = access("/proc/kcore", F_OK) == 0
        for m in spec.mounts ?? [] {
            let options = MountOptions(m.options ?? [])
            guard options.isBind || m.type == "bind", var source = m.source else { continue }
            if !source.hasPrefix("/") { source = bundle + "/" + source }
            var st = stat()
            if stat(source, &st) == 0 && st.st_mode & S_IFMT != S_IFDIR { facts.fileSources.insert(source) }
        }
        facts.cgroupMounts = cgroup.containerMountPoints
        facts.hasAppArmor = access("/sys/kernel/security/apparmor", F_OK) == 0
        facts.hasSELinux = access("/sys/fs/selinux/enforce", F_OK) == 0
        return facts
    }
}

extension Cgroup {
    /// How the container's /sys/fs/cgroup shows each hierarchy of the host.
    var containerMountPoints: [CgroupMountPoint] {
        if host.layout == .unified {
            return [CgroupMountPoint(name: "", options: "", isV2: true, hostPath: paths[""] ?? "")]
        }
        var points: [CgroupMountPoint] = []
        for m in host.v1Mounts {
            let base = m.mountPoint.split(separator: "/").last.map(String.init) ?? m.controllers.joined(separator: ",")
            let key = m.controllers.first ?? ""
            guard let dir = paths[key] else { continue }
            let options = m.controllers.map { $0.hasPrefix("name=") ? "none,\($0)" : $0 }.joined(separator: ",")
            let links = m.controllers.count > 1 ? m.controllers.filter { $0 != base && !$0.hasPrefix("name=") } : []
            points.append(CgroupMountPoint(name: base, options: options, isV2: false, hostPath: dir, links: links))
        }
        if let v2 = host.v2Mount, let dir = paths[""] {
            let base = v2.mountPoint.split(separator: "/").last.map(String.init) ?? "unified"
            points.append(CgroupMountPoint(name: base, options: "", isV2: true, hostPath: dir))
        }
        return points
    }
}
