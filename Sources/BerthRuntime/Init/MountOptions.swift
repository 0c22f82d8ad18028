import BerthSystem

/// Mount flags (linux/mount.h), named as mount(8) names them.
public enum MountFlag {
    public static let rdonly: UInt = 1
    public static let nosuid: UInt = 2
    public static let nodev: UInt = 4
    public static let noexec: UInt = 8
    public static let synchronous: UInt = 16
    public static let remount: UInt = 32
    public static let mandlock: UInt = 64
    public static let dirsync: UInt = 128
    public static let noatime: UInt = 1024
    public static let nodiratime: UInt = 2048
    public static let bind: UInt = 4096
    public static let move: UInt = 8192
    public static let rec: UInt = 16384
    public static let unbindable: UInt = 1 << 17
    public static let `private`: UInt = 1 << 18
    public static let slave: UInt = 1 << 19
    public static let shared: UInt = 1 << 20
    public static let relatime: UInt = 1 << 21
    public static let strictatime: UInt = 1 << 24
}

/// A config.json mount's options split as runc's parseMountOptions does:
/// flags for mount(2), propagation for a second mount(2) call, and the
/// rest joined as the filesystem's data string ("mode=755,size=65536k").
public struct MountOptions: Equatable, Sendable {
    public var flags: UInt = 0
    public var propagation: [UInt] = []
    public var data: [String] = []
    /// Options runc accepts and berth ignores (tmpcopyup, idmap…), kept so
    /// the caller can warn.
    public var ignored: [String] = []

    public var isBind: Bool { flags & MountFlag.bind != 0 }

    static let setting: [String: UInt] = [
        "ro": MountFlag.rdonly, "nosuid": MountFlag.nosuid, "nodev": MountFlag.nodev, "noexec": MountFlag.noexec,
        "sync": MountFlag.synchronous, "remount": MountFlag.remount, "mand": MountFlag.mandlock,
        "dirsync": MountFlag.dirsync, "noatime": MountFlag.noatime, "nodiratime": MountFlag.nodiratime,
        "bind": MountFlag.bind, "rbind": MountFlag.bind | MountFlag.rec, "relatime": MountFlag.relatime,
        "strictatime": MountFlag.strictatime, "silent": 32768,
    ]
    static let clearing: [String: UInt] = [
        "rw": MountFlag.rdonly, "suid": MountFlag.nosuid, "dev": MountFlag.nodev, "exec": MountFlag.noexec,
        "async": MountFlag.synchronous, "nomand": MountFlag.mandlock, "atime": MountFlag.noatime,
        "diratime": MountFlag.nodiratime, "norelatime": MountFlag.relatime, "loud": 32768,
        "nostrictatime": MountFlag.strictatime,
    ]
    static let propagations: [String: UInt] = [
        "private": MountFlag.private, "rprivate": MountFlag.private | MountFlag.rec,
        "shared": MountFlag.shared, "rshared": MountFlag.shared | MountFlag.rec,
        "slave": MountFlag.slave, "rslave": MountFlag.slave | MountFlag.rec,
        "unbindable": MountFlag.unbindable, "runbindable": MountFlag.unbindable | MountFlag.rec,
    ]
    static let ignorable: Set<String> = ["tmpcopyup", "idmap", "ridmap", "defaults", "nosymfollow", "symfollow"]

    public init(_ options: [String]) {
        for option in options {
            if let f = Self.setting[option] { flags |= f }
            else if let f = Self.clearing[option] { flags &= ~f }
            else if let p = Self.propagations[option] { propagation.append(p) }
            else if Self.ignorable.contains(option) || option.hasPrefix("x-") { ignored.append(option) }
            else { data.append(option) }
        }
    }

    /// The propagation of the container's "/" from `rootfsPropagation`; runc
    /// defaults to rslave so host unmounts reach the container but nothing
    /// the container mounts reaches the host.
    public static func rootPropagation(_ value: String?) throws -> UInt {
        guard let value, !value.isEmpty else { return MountFlag.slave | MountFlag.rec }
        guard let p = propagations[value] else {
            throw BerthError.invalidArgument("linux.rootfsPropagation: unknown propagation \(value.debugDescription)"
                + " (want one of \(propagations.keys.sorted().joined(separator: ", ")))")
        }
        return p
    }
}
