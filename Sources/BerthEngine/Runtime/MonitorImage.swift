import BerthSystem
import CBerth
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// berth-monitor, the per-container monitor (Sources/berth-monitor, a small
/// static C executable), carried inside the berth binary: the MonitorImage
/// build plugin compiles it into `MonitorImageData`. It runs from a sealed
/// memfd, so there is no second file to install, nothing to clean up, and
/// monitors that outlive the daemon keep their executable whatever happens to
/// the berth binary (an upgrade replaces it).
public enum MonitorImage {
    private static let lock = Lock()
    nonisolated(unsafe) private static var fd: Int32 = -1

    /// The executable's bytes.
    static var bytes: [UInt8] {
        guard let data = Data(base64Encoded: MonitorImageData.base64) else {
            fatalError("MonitorImageData is not base64: the MonitorImage plugin wrote a broken source")
        }
        return Array(data)
    }

    /// A path that executes the monitor: `/proc/self/fd/N` of the sealed
    /// memfd (close-on-exec: execve resolves the path before it closes
    /// descriptors, so children run it without keeping it open).
    public static func path() throws -> String {
        try lock.withLock {
            if fd < 0 { fd = try makeMemfd() }
            return "/proc/self/fd/\(fd)"
        }
    }

    /// Runs `berth __monitor …` by hand (MonitorTests do): executes the
    /// monitor with these arguments in place of this process.
    public static func exec(_ arguments: [String]) -> Never {
        do {
            let path = try path()
            let argv = ["berth-monitor"] + arguments
            withCStrings(argv) { args in _ = execve(path, args, environ) }
            throw BerthError(SystemError("execve", path: "berth-monitor", errno: errno), while: "run the monitor")
        } catch {
            let message = Array("berth: \(error)\n".utf8)
            message.withUnsafeBytes { _ = Spawn.writeAll(STDERR_FILENO, $0) }
            exit(125)
        }
    }

    private static func makeMemfd() throws -> Int32 {
        let fd = bytes.withUnsafeBytes { berth_memfd_sealed("berth-monitor", $0.baseAddress, $0.count) }
        guard fd >= 0 else {
            throw BerthError(SystemError("memfd_create", path: "memfd:berth-monitor", errno: errno), while: "load the monitor")
        }
        return fd
    }
}
