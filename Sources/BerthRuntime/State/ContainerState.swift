#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import FoundationEssentials

/// What `berth runtime` keeps about a container in <root>/<id>/state.json:
/// enough to answer `state`, to signal, exec into and delete it from any
/// later invocation. The init is identified by pid and start time, so a
/// reused pid is never taken for the container.
public struct ContainerState: Codable, Sendable {
    public var id: String
    public var pid: Int32
    /// Field 22 of /proc/<pid>/stat when the init was created.
    public var pidStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    /// RFC 3339, as runc's "created".
    public var created: String
    public var cgroupPaths: [String: String]
    public var config: RuntimeSpec
    public var owner: String = ""

    /// The lifecycle states of runtime-spec runtime.md (and runc's "paused").
    public enum Status: String, Codable, Sendable {
        case creating, created, running, paused, stopped
    }
}

/// The OCI state (runtime.md#state) as `state` prints it, with runc's extra
/// fields (rootfs, created, owner) that tools read.
public struct OCIState: Codable, Sendable {
    public var ociVersion: String
    public var id: String
    public var status: ContainerState.Status
    public var pid: Int32
    public var bundle: String
    public var rootfs: String?
    public var created: String?
    public var owner: String?
    public var annotations: [String: String]?
}

/// The state directory (`--root`, runc's /run/runc): one directory per
/// container holding state.json and, until `start`, the exec fifo.
public struct StateDirectory: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func directory(_ id: String) -> String { root + "/" + id }
    public func fifo(_ id: String) -> String { directory(id) + "/exec.fifo" }
    func stateFile(_ id: String) -> String { directory(id) + "/state.json" }

    /// runc's container id rule: letters, digits, and _ + - . only.
    public static func validate(id: String) throws {
        let ok = !id.isEmpty && id.utf8.count <= 1024 && id != "." && id != ".." && id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 43 || c == 45 || c == 46
        }
        guard ok else {
            throw BerthError.invalidArgument("invalid container id \(id.debugDescription): use letters, digits, _ + - . only")
        }
    }

    /// Makes <root>/<id>; `conflict` when it exists.
    func reserve(_ id: String) throws {
        try Self.validate(id: id)
        try makeDirectories(root, mode: 0o711)
        if mkdir(directory(id), 0o711) != 0 {
            if errno == EEXIST { throw BerthError.conflict("container with id \(id.debugDescription) already exists") }
            throw BerthError(SystemError("mkdir", path: directory(id), errno: errno), while: "creating the state of \(id)")
        }
    }

    public func load(_ id: String) throws -> ContainerState {
        try Self.validate(id: id)
        let path = stateFile(id)
        guard let bytes = try? readFile(path) else {
            throw BerthError.notFound("container \(id.debugDescription) does not exist")
        }
        do { return try JSONDecoder().decode(ContainerState.self, from: Data(bytes)) } catch {
            throw BerthError.internalError("state of container \(id) (\(path)) is corrupt: \(error)")
        }
    }

    /// Writes state.json. `config`: the bytes of the config.json that
    /// `state.config` was decoded from, written as they are (encoding the
    /// whole spec again costs more than the rest of the state).
    func save(_ state: ContainerState, config: [UInt8]? = nil) throws {
        var bytes: [UInt8]
        if var raw = config?[...] {
            if raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw = raw.dropFirst(3) }  // a BOM only opens a document
            bytes = Self.fieldsJSON(state)
            bytes += Array(",\"config\":".utf8) + raw + [UInt8(ascii: "}")]
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            bytes = try Array(encoder.encode(state))
        }
        try writeAtomically(stateFile(state.id), bytes, mode: 0o600)
    }

    /// ContainerState but its config, as `{"bundle":…,"rootfs":…` without the
    /// closing brace. Written by hand: JSONEncoder's first use in a process
    /// (its generic containers, the synthesized keys) cost ~0.4 ms of a
    /// `runtime run`.
    static func fieldsJSON(_ s: ContainerState) -> [UInt8] {
        var out = "{\"bundle\":" + JSONText.quoted(s.bundle) + ",\"cgroupPaths\":{"
        out += s.cgroupPaths.sorted { $0.key < $1.key }.map { JSONText.quoted($0.key) + ":" + JSONText.quoted($0.value) }
            .joined(separator: ",")
        out += "},\"created\":" + JSONText.quoted(s.created) + ",\"id\":" + JSONText.quoted(s.id)
        out += ",\"owner\":" + JSONText.quoted(s.owner) + ",\"pid\":\(s.pid),\"pidStartTime\":\(s.pidStartTime)"
        out += ",\"rootfs\":" + JSONText.quoted(s.rootfs)
        return Array(out.utf8)
    }

    func remove(_ id: String) {
        unlink(fifo(id))
        unlink(stateFile(id))
        unlink(stateFile(id) + ".tmp")
        rmdir(directory(id))
    }

    /// Every container id with a state file, sorted.
    public func ids() -> [String] {
        guard let dir = opendir(root) else { return [] }
        defer { closedir(dir) }
        var ids: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." && access(stateFile(name), F_OK) == 0 { ids.append(name) }
        }
        return ids.sorted()
    }

    /// The status now: stopped when the init is gone (or its pid was reused),
    /// created while the exec fifo exists, paused when its cgroup is frozen.
    public func status(_ state: ContainerState) -> ContainerState.Status {
        guard ProcStat.startTime(of: state.pid) == state.pidStartTime, !ProcStat.isZombie(state.pid) else { return .stopped }
        if access(fifo(state.id), F_OK) == 0 { return .created }
        if let cg = try? Cgroup.load(paths: state.cgroupPaths), cg.isFrozen { return .paused }
        return .running
    }
}

/// Facts about processes from /proc.
enum ProcStat {
    /// Field 22 (starttime) of /proc/<pid>/stat; nil when there is no such process.
    static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let text = try? readFile("/proc/\(pid)/stat") else { return nil }
        let s = String(decoding: text, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces.
        guard let close = s.lastIndex(of: ")") else { return nil }
        let fields = s[s.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); starttime is field 22.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let text = try? readFile("/proc/\(pid)/stat") else { return true }
        let s = String(decoding: text, as: UTF8.self)
        guard let close = s.lastIndex(of: ")") else { return true }
        return s[s.index(after: close)...].split(separator: " ").first == "Z"
    }
}

/// RFC 3339 with nanoseconds, as runc writes "created".
func rfc3339Now() -> String { RFC3339.now() }

func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw SystemError("open", path: path, errno: errno) }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw SystemError("read", path: path, errno: errno) }
        if n == 0 { return out }
        out += chunk[..<n]
    }
}

/// Temp name, write, rename: a reader sees the old file or the new one,
/// never half of one. No fsync: the runtime's state describes processes,
/// which a power cut ends too (runc does not sync it either); on a disk
/// the two fsyncs cost 5-12 ms per create.
func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let tmp = path + ".tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    if fd < 0 { throw SystemError("open", path: tmp, errno: errno) }
    do {
        try writeAll(fd, bytes)
        close(fd)
    } catch { close(fd); unlink(tmp); throw error }
    if rename(tmp, path) != 0 { let e = errno; unlink(tmp); throw SystemError("rename", path: path, errno: e) }
}

func makeDirectories(_ path: String, mode: mode_t) throws {
    var current = ""
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, mode) != 0 && errno != EEXIST {
            throw SystemError("mkdir", path: current, errno: errno)
        }
    }
}
