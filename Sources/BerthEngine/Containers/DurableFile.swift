import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Writes that survive power loss: temporary name, fsync, rename, fsync
/// the directory (ARCHITECTURE.md, "Rules"). With `durable: false` only
/// atomic (temporary name, rename): for files rewritten at every start
/// (a container's bundle and /etc files), whose loss in a power cut costs
/// nothing, as nothing that used them survives it either.
enum DurableFile {
    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, durable: Bool = true) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw BerthError(SystemError("open", path: temporary, errno: errno), while: "write \(path)") }
        let ok = bytes.withUnsafeBytes { Spawn.writeAll(fd, $0) } && (!durable || fsync(fd) == 0)
        let error = errno
        close(fd)
        guard ok else { throw BerthError(SystemError("write", path: temporary, errno: error), while: "write \(path)") }
        guard rename(temporary, path) == 0 else {
            throw BerthError(SystemError("rename", path: path, errno: errno), while: "write \(path)")
        }
        guard durable else { return }
        let directory = parentDirectory(of: path)
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

/// docker's generated names: "adjective_surname" (moby's namesgenerator).
enum Names {
    static let left = ["admiring", "brave", "clever", "dazzling", "eager", "focused", "gallant", "happy", "jolly",
                       "keen", "loving", "modest", "nifty", "optimistic", "pensive", "quirky", "relaxed", "serene",
                       "tender", "upbeat", "vibrant", "wizardly", "youthful", "zealous"]
    static let right = ["albattani", "bardeen", "curie", "darwin", "euclid", "feynman", "galileo", "hopper", "kepler",
                        "lovelace", "meitner", "noether", "pasteur", "ritchie", "shannon", "turing", "wozniak", "yalow"]

    static func generate(isFree: (String) -> Bool) -> String {
        for attempt in 0..<100 {
            var name = "\(left.randomElement()!)_\(right.randomElement()!)"
            if attempt > 10 { name += String(Int.random(in: 0..<10)) }
            if isFree(name) { return name }
        }
        return "berth_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
