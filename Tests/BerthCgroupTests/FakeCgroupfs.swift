import Foundation
@testable import BerthRuntime

/// A cgroup hierarchy made of plain directories and files in a temp dir, for
/// unit tests of the v1/v2 logic without root or a kernel that has the
/// layout. Writes are recorded in order.
final class FakeCgroupfs {
    let root: String
    let log = CgroupWriteLog()
    var mounts: [CgroupMount] = []

    init() throws {
        root = NSTemporaryDirectory() + "berth-fake-cgroupfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A cgroup2 mount at <root>/unified offering `controllers`.
    @discardableResult
    func addV2(controllers: String) throws -> String {
        let dir = root + "/unified"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try controllers.write(toFile: dir + "/cgroup.controllers", atomically: false, encoding: .utf8)
        mounts.append(CgroupMount(mountPoint: dir, root: "/", controllers: [], isV2: true))
        return dir
    }

    /// A v1 hierarchy at <root>/<name> with `files` in its top directory.
    @discardableResult
    func addV1(_ controllers: [String], files: [String: String] = [:]) throws -> String {
        let dir = root + "/" + controllers.joined(separator: ",")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, value) in files { try value.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
        mounts.append(CgroupMount(mountPoint: dir, root: "/", controllers: controllers, isV2: false))
        return dir
    }

    var host: CgroupHost {
        CgroupHost(mounts: mounts, ownCgroups: ["": "/"], files: CgroupFiles(createsFiles: true, log: log))
    }

    func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The values written to files named `file`, in order.
    func writes(to file: String) -> [String] {
        log.writes.filter { $0.path.hasSuffix("/" + file) }.map(\.value)
    }
}
