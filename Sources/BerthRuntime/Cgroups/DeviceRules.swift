import BerthOCI
import BerthSystem

/// Device access rules for a container's cgroup: the OCI rules, the defaults
/// every container gets, and the state they add up to.
public enum DeviceRules {
    /// The devices every container may use, appended after the config's own
    /// rules as runc's specconv.AllowedDevices are (runc 1.1, Debian's):
    /// mknod of any node, and /dev/null, random, full, tty, zero, urandom,
    /// pts/*, ptmx and net/tun.
    public static let defaultAllowed: [RuntimeSpec.DeviceRule] = [
        .init(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        .init(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        .init(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        .init(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
        .init(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
        .init(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
    ]

    /// What the cgroup enforces: `linux.resources.devices` in order, then the
    /// defaults, then rwm for every node in `linux.devices` (as runc's specconv
    /// builds its cgroup config). The config's rules come first so errors name
    /// them by their index.
    public static func effective(resources: RuntimeSpec.Resources?,
                                 linuxDevices: [RuntimeSpec.Device] = []) -> [RuntimeSpec.DeviceRule] {
        var rules = resources?.devices ?? []
        rules += defaultAllowed
        for d in linuxDevices where d.type != "p" {
            rules.append(.init(allow: true, type: d.type == "u" ? "c" : d.type, major: d.major, minor: d.minor, access: "rwm"))
        }
        return rules
    }
}

/// Access bits in the devices cgroup's order.
struct CgroupDeviceAccess: OptionSet, Hashable, Sendable {
    let rawValue: UInt8
    static let read = CgroupDeviceAccess(rawValue: 1)
    static let write = CgroupDeviceAccess(rawValue: 2)
    static let mknod = CgroupDeviceAccess(rawValue: 4)
    static let all: CgroupDeviceAccess = [.read, .write, .mknod]

    var string: String {
        (contains(.read) ? "r" : "") + (contains(.write) ? "w" : "") + (contains(.mknod) ? "m" : "")
    }
}

/// One validated device rule; -1 major/minor is the wildcard.
struct CgroupDeviceRule: Hashable, Sendable {
    var type: Character   // "a", "b" or "c"
    var major: Int64
    var minor: Int64
    var access: CgroupDeviceAccess
    var allow: Bool

    /// v1's devices.allow/devices.deny syntax: "c 1:3 rwm", "a *:* rwm".
    var cgroupString: String {
        if type == "a" { return "a *:* \(access.string)" }
        let maj = major < 0 ? "*" : String(major), min = minor < 0 ? "*" : String(minor)
        return "\(type) \(maj):\(min) \(access.string)"
    }

    static func validate(_ rules: [RuntimeSpec.DeviceRule]) throws -> [CgroupDeviceRule] {
        try rules.enumerated().map { i, r in
            let field = "linux.resources.devices[\(i)]"
            let type: Character
            switch r.type ?? "a" {
            case "a", "": type = "a"
            case "b": type = "b"
            case "c", "u": type = "c"
            default: throw BerthError.invalidArgument("\(field).type: invalid device type \(r.type!.debugDescription) (want a, b or c)")
            }
            var access: CgroupDeviceAccess = []
            for ch in r.access ?? "rwm" {
                switch ch {
                case "r": access.insert(.read)
                case "w": access.insert(.write)
                case "m": access.insert(.mknod)
                default: throw BerthError.invalidArgument("\(field).access: invalid access \(r.access!.debugDescription) (letters r, w, m)")
                }
            }
            if access.isEmpty { access = .all }
            for (name, v) in [("major", r.major), ("minor", r.minor)] {
                if let v, v < -1 || v > Int64(UInt32.max) {
                    throw BerthError.invalidArgument("\(field).\(name): \(v) is out of range")
                }
            }
            return CgroupDeviceRule(type: type, major: type == "a" ? -1 : r.major ?? -1, minor: type == "a" ? -1 : r.minor ?? -1,
                              access: access, allow: r.allow)
        }
    }
}

/// The state a list of rules leaves a v1 devices cgroup in, starting from
/// "deny all" — runc's devices.Emulator. Both the v1 writes and the v2 eBPF
/// program are generated from it, so the two behave the same, including the
/// refusal to punch a hole in a wildcard rule (v1 would silently ignore it).
struct CgroupDeviceEmulator: Sendable {
    struct Key: Hashable, Sendable { var type: Character; var major: Int64; var minor: Int64 }
    private(set) var defaultAllow = false
    private(set) var exceptions: [Key: CgroupDeviceAccess] = [:]

    init(_ rules: [CgroupDeviceRule]) throws {
        for (i, r) in rules.enumerated() { try apply(r, index: i) }
    }

    private mutating func apply(_ rule: CgroupDeviceRule, index: Int) throws {
        // Any "a" rule resets the cgroup: allow-all or deny-all, access ignored.
        if rule.type == "a" {
            defaultAllow = rule.allow
            exceptions = [:]
            return
        }
        let key = Key(type: rule.type, major: rule.major, minor: rule.minor)
        if rule.allow == defaultAllow {
            try remove(key, rule.access, index: index)
        } else {
            exceptions[key, default: []].formUnion(rule.access)
        }
    }

    private mutating func remove(_ key: Key, _ access: CgroupDeviceAccess, index: Int) throws {
        for partial in [Key(type: key.type, major: -1, minor: key.minor), Key(type: key.type, major: key.major, minor: -1),
                        Key(type: key.type, major: -1, minor: -1)] where partial != key {
            if let held = exceptions[partial], !held.intersection(access).isEmpty {
                let r = CgroupDeviceRule(type: key.type, major: key.major, minor: key.minor, access: access, allow: defaultAllow)
                let w = CgroupDeviceRule(type: partial.type, major: partial.major, minor: partial.minor, access: held, allow: !defaultAllow)
                throw BerthError.invalidArgument(
                    "linux.resources.devices[\(index)]: rule \"\(r.cgroupString)\" cannot punch a hole in the earlier wildcard rule \"\(w.cgroupString)\"")
            }
        }
        let left = (exceptions[key] ?? []).subtracting(access)
        exceptions[key] = left.isEmpty ? nil : left
    }

    /// The exceptions to the default, ordered by (major, minor, type) with
    /// wildcards first, as runc orders them.
    var orderedExceptions: [CgroupDeviceRule] {
        exceptions.map { CgroupDeviceRule(type: $0.key.type, major: $0.key.major, minor: $0.key.minor, access: $0.value, allow: !defaultAllow) }
            .sorted { a, b in
                (a.major, a.minor, String(a.type)) < (b.major, b.minor, String(b.type))
            }
    }
}
