import BerthSystem

/// A container's cgroup below the hierarchy roots, from config.json's
/// `linux.cgroupsPath` as runc interprets it (libcontainer/specconv and
/// cgroups/fs/paths.go, fs2/defaultpath.go).
enum CgroupInnerPath: Equatable, Sendable {
    /// Below the root of every hierarchy.
    case absolute(String)
    /// Below the cgroup the runtime itself is in (v1: per hierarchy; v2: its
    /// parent, since the runtime's own cgroup holds processes and a cgroup2
    /// child can only get controllers under a process-free parent).
    case relative(String)

    /// - `/a/b` → absolute, lexically cleaned.
    /// - `a/b` → relative, cleaned so `..` cannot climb out (runc's CleanPath).
    /// - absent or empty → relative `<containerID>`: runc sets Name = id,
    ///   which its fs drivers place under their own cgroup.
    /// - `slice:prefix:name` (runc's systemd form) → absolute
    ///   `<slice path>/<prefix>-<name>.scope`, the directory systemd would
    ///   create, with slices expanded as systemd does (`a-b.slice` →
    ///   `/a.slice/a-b.slice`). berth drives cgroupfs itself: there is no
    ///   systemd to ask for a transient unit, so this only fixes the place.
    static func parse(cgroupsPath: String?, containerID: String) throws -> CgroupInnerPath {
        guard let raw = cgroupsPath, !raw.isEmpty else {
            let id = clean(containerID)
            guard !id.hasPrefix("/"), id != "." else {
                throw BerthError.invalidArgument("container id \(containerID.debugDescription) cannot name a cgroup")
            }
            return .relative(id)
        }
        if raw.contains(":") {
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else {
                throw BerthError.invalidArgument(
                    "linux.cgroupsPath: expected \"slice:prefix:name\" for the systemd form, got \(raw.debugDescription)")
            }
            let slice = try expandSlice(parts[0].isEmpty ? "system.slice" : parts[0])
            let name = parts[2]
            guard !name.isEmpty, !name.contains("/") else {
                throw BerthError.invalidArgument("linux.cgroupsPath: invalid unit name \(name.debugDescription) in \(raw.debugDescription)")
            }
            // runc's getUnitName: a name ending in .slice is a slice itself.
            let unit = name.hasSuffix(".slice") ? name : (parts[1].isEmpty ? name : parts[1] + "-" + name) + ".scope"
            return .absolute(clean((slice == "/" ? "" : slice) + "/" + unit))
        }
        let cleaned = clean(raw)
        return raw.hasPrefix("/") ? .absolute(cleaned) : .relative(cleaned)
    }

    /// Lexical clean as Go's filepath.Clean, with `..` above the top dropped
    /// for relative paths too (runc's utils.CleanPath).
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// systemd's slice naming (runc's systemd.ExpandSlice).
    static func expandSlice(_ slice: String) throws -> String {
        let suffix = ".slice"
        guard slice.hasSuffix(suffix), slice.count > suffix.count, !slice.contains("/") else {
            throw BerthError.invalidArgument("linux.cgroupsPath: invalid slice name \(slice.debugDescription)")
        }
        let name = String(slice.dropLast(suffix.count))
        if name == "-" { return "/" }
        var path = "", prefix = ""
        for component in name.split(separator: "-", omittingEmptySubsequences: false) {
            if component.isEmpty {
                throw BerthError.invalidArgument("linux.cgroupsPath: invalid slice name \(slice.debugDescription)")
            }
            path += "/" + prefix + component + suffix
            prefix += component + "-"
        }
        return path
    }
}

extension CgroupHost {
    /// The directory of `inner` in every hierarchy berth uses: v1 controller
    /// (each of a co-mounted set, and "name=systemd") → directory; "" → the
    /// cgroup2 directory (unified, or the hybrid layout's tracking hierarchy).
    func directories(for inner: CgroupInnerPath) -> [String: String] {
        var result: [String: String] = [:]
        switch layout {
        case .unified:
            if let m = v2Mount { result[""] = directory(in: m, key: "", inner: inner, parentOfOwn: true) }
        case .legacy, .hybrid:
            for m in v1Mounts {
                let dir = directory(in: m, key: m.controllers[0], inner: inner, parentOfOwn: false)
                for c in m.controllers { result[c] = dir }
            }
            // runc's fs driver joins the hybrid cgroup2 hierarchy as a "" subsystem.
            if let m = v2Mount { result[""] = directory(in: m, key: "", inner: inner, parentOfOwn: false) }
        }
        return result
    }

    private func directory(in mount: CgroupMount, key: String, inner: CgroupInnerPath, parentOfOwn: Bool) -> String {
        switch inner {
        case .absolute(let p):
            return CgroupInnerPath.clean(mount.mountPoint + p)
        case .relative(let p):
            var own = ownCgroups[key] ?? "/"
            if mount.root != "/" && own.hasPrefix(mount.root) { own = String(own.dropFirst(mount.root.count)) }
            if parentOfOwn { own = parent(of: own) }
            return CgroupInnerPath.clean(mount.mountPoint + "/" + own + "/" + p)
        }
    }

    private func parent(of path: String) -> String {
        let c = CgroupInnerPath.clean("/" + path)
        guard let slash = c.lastIndex(of: "/"), c != "/" else { return "/" }
        return slash == c.startIndex ? "/" : String(c[..<slash])
    }
}
