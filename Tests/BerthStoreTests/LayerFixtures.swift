import XCTest
import Foundation
@testable import BerthStore
@testable import BerthOCI

/// One tar entry a fixture layer holds. Tars are written by Python's
/// tarfile (pax format), a producer independent of berth's own code.
struct TarEntry: Encodable {
    var name: String
    var type = "file"      // file, dir, symlink, link, char, block, fifo
    var data = ""
    var mode = 0o644
    var uid = 0
    var gid = 0
    var mtime = 1_600_000_000
    var linkname = ""
    var devmajor = 0
    var devminor = 0
    /// xattr name to value given as hex (binary values such as security.capability).
    var xattrs: [String: String] = [:]
    var size: Int? = nil   // a file of this many 'z' bytes instead of data

    static func file(_ name: String, _ data: String = "", mode: Int = 0o644) -> TarEntry { TarEntry(name: name, data: data, mode: mode) }
    static func dir(_ name: String, mode: Int = 0o755) -> TarEntry { TarEntry(name: name, type: "dir", mode: mode) }
    static func symlink(_ name: String, to target: String) -> TarEntry { TarEntry(name: name, type: "symlink", mode: 0o777, linkname: target) }
    static func link(_ name: String, to target: String) -> TarEntry { TarEntry(name: name, type: "link", linkname: target) }
}

private let script = #"""
import io, json, sys, tarfile
spec = json.load(open(sys.argv[1]))
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as tar:
    for e in spec:
        info = tarfile.TarInfo(e["name"])
        info.mode, info.uid, info.gid, info.mtime = e["mode"], e["uid"], e["gid"], e["mtime"]
        info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "link": tarfile.LNKTYPE,
                     "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[e["type"]]
        info.linkname = e["linkname"]
        info.devmajor, info.devminor = e["devmajor"], e["devminor"]
        for key, value in e["xattrs"].items():
            info.pax_headers["SCHILY.xattr." + key] = bytes.fromhex(value).decode("utf-8", "surrogateescape")
        data = None
        if e["type"] == "file":
            raw = b"z" * e["size"] if e.get("size") is not None else e["data"].encode()
            info.size = len(raw)
            data = io.BytesIO(raw)
        tar.addfile(info, data)
"""#

enum LayerFixtures {
    /// Writes a tar of `entries` to `directory/name` (compressed with the
    /// gzip or zstd command when asked) and returns its path.
    static func tar(_ entries: [TarEntry], in directory: String, name: String = "layer.tar",
                    compression: LayerCompression = .none) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || FileManager.default.isExecutableFile(atPath: "/root/.pyenv/shims/python3") else {
            throw XCTSkip("python3 is needed to build fixture tars")
        }
        let specPath = directory + "/\(name).json", scriptPath = directory + "/maketar.py"
        try JSONEncoder().encode(entries).write(to: URL(fileURLWithPath: specPath))
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let tarPath = directory + "/" + name
        guard try run(["/usr/bin/env", "python3", scriptPath, specPath, tarPath]) == 0 else { throw FixtureError("python3 tarfile failed") }
        switch compression {
        case .none: return tarPath
        case .gzip:
            guard try run(["/usr/bin/gzip", "-kf", tarPath]) == 0 else { throw FixtureError("gzip failed") }
            return tarPath + ".gz"
        case .zstd:
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else { throw XCTSkip("zstd command missing") }
            guard try run(["/usr/bin/zstd", "-qf", tarPath, "-o", tarPath + ".zst"]) == 0 else { throw FixtureError("zstd failed") }
            return tarPath + ".zst"
        }
    }

    static func digest(ofFile path: String) throws -> Digest {
        DigestHasher.digest(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Applies the file at `path` through a pipe, as the network would feed it.
func applyThroughPipe(_ path: String, into directory: String, applier: LayerApplier = LayerApplier()) throws -> ApplyResult {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw FixtureError("pipe failed") }
    signal(SIGPIPE, SIG_IGN) // the feeder sees EPIPE when an apply stops early
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let writerFD = fds[1]
    let feeder = Thread {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let count = write(writerFD, raw.baseAddress! + done, min(65536, raw.count - done))
                if count <= 0 { break } // reader gone (an error stopped the apply)
                done += count
            }
        }
        close(writerFD)
    }
    feeder.start()
    defer { close(fds[0]) }
    return try applier.apply(fd: fds[0], into: directory)
}
