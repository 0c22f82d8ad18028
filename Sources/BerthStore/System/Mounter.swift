import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CArchive
import Glibc

/// Performs the mounts a snapshotter returns, and undoes them. The only
/// place in BerthStore that calls mount(2).
public enum Mounter {
    /// Mounts `mounts` in order at `target` (a directory that exists).
    ///
    /// Overlay data longer than a page (the kernel's limit for mount data)
    /// is shortened as containerd's mount_linux.go does: the lowerdir,
    /// upperdir and workdir paths become relative to their common parent,
    /// and mount(2) runs on a thread that `unshare(CLONE_FS)` gave its own
    /// working directory, so the daemon's other threads never see a chdir.
    public static func mount(_ mounts: [Mount], at target: String) throws {
        var done = 0
        do {
            for mount in mounts {
                try self.mount(mount, at: target)
                done += 1
            }
        } catch {
            for _ in 0..<done { try? unmount(target) }
            throw error
        }
    }

    /// Unmounts `target` (once). `detach` is MNT_DETACH: lazily, for a
    /// mount something still uses.
    public static func unmount(_ target: String, detach: Bool = false) throws {
        try step("unmount \(target)") {
            try sys("umount2", target) { umount2(target, detach ? Int32(MNT_DETACH) : 0) }
        }
    }

    static func mount(_ mount: Mount, at target: String) throws {
        var flags: UInt = 0
        var data: [String] = []
        for option in mount.options {
            switch option {
            case "ro": flags |= UInt(MS_RDONLY)
            case "rw": break
            case "bind": flags |= UInt(MS_BIND)
            case "rbind": flags |= UInt(MS_BIND | MS_REC)
            case "nosuid": flags |= UInt(MS_NOSUID)
            case "nodev": flags |= UInt(MS_NODEV)
            case "noexec": flags |= UInt(MS_NOEXEC)
            default: data.append(option)
            }
        }
        let description = "mount \(mount.type) \(mount.source) on \(target)"
        let isBind = flags & UInt(MS_BIND) != 0
        var dataString = data.joined(separator: ",")
        var directory: String?
        if !isBind, dataString.utf8.count >= Int(getpagesize()) {
            (dataString, directory) = try compact(data, for: description)
        }
        try step(description) {
            try run(in: directory) {
                try sys("mount", target) {
                    Glibc.mount(mount.source, target, isBind ? nil : mount.type, flags & ~UInt(MS_RDONLY | MS_REMOUNT) | (isBind ? 0 : flags & UInt(MS_RDONLY)),
                                isBind ? nil : dataString)
                }
            }
            // A bind mount ignores MS_RDONLY on creation; remount to apply it.
            if isBind, flags & UInt(MS_RDONLY) != 0 {
                do {
                    try sys("mount(remount ro)", target) {
                        Glibc.mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil)
                    }
                } catch {
                    umount2(target, 0)
                    throw error
                }
            }
        }
    }

    /// Rewrites overlay directory options relative to their common parent.
    static func compact(_ data: [String], for description: String) throws -> (String, String) {
        let keys = ["lowerdir=", "upperdir=", "workdir="]
        var paths: [String] = []
        for option in data {
            guard let key = keys.first(where: { option.hasPrefix($0) }) else { continue }
            paths += option.dropFirst(key.count).split(separator: ":").map(String.init)
        }
        var common = paths.first.map { Durable.parent(of: $0) } ?? "/"
        while common != "/", !paths.allSatisfy({ $0.hasPrefix(common + "/") }) { common = Durable.parent(of: common) }
        let rewritten = data.map { option -> String in
            guard let key = keys.first(where: { option.hasPrefix($0) }) else { return option }
            return key + option.dropFirst(key.count).split(separator: ":").map { path -> String in
                common == "/" ? String(path.dropFirst()) : String(path.dropFirst(common.count + 1))
            }.joined(separator: ":")
        }.joined(separator: ",")
        guard rewritten.utf8.count < Int(getpagesize()) else {
            throw BerthError(.resourceExhausted, "\(description): overlay options are \(rewritten.utf8.count) bytes even relative to \(common); the kernel takes at most \(getpagesize() - 1)")
        }
        return (rewritten, common)
    }

    /// Runs `body` on a fresh thread whose cwd is `directory`, or inline.
    static func run(in directory: String?, _ body: @escaping () throws -> Void) throws {
        guard let directory else { return try body() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        nonisolated(unsafe) let body = body
        BlockingThread.start {
            defer { done.signal() }
            do {
                try sys("unshare(CLONE_FS)") { berth_store_unshare_fs() }
                try sys("chdir", directory) { chdir(directory) }
                try body()
            } catch {
                failure = error
            }
        }
        done.wait()
        if let failure { throw failure }
    }
}
