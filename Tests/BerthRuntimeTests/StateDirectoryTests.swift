import XCTest
import Foundation
import BerthOCI
@testable import BerthRuntime

/// state.json written with the config's own bytes reads back as the same
/// state (no root needed).
final class StateDirectoryTests: XCTestCase {
    func testStateWithTheConfigBytesReadsBackTheSame() throws {
        let root = NSTemporaryDirectory() + "berth-states-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let states = StateDirectory(root: root)
        let spec = DefaultSpec.make(args: ["/bin/sh", "-c", "echo \"quoted\" }"], terminal: false)
        var config = Array(try JSONEncoder().encode(spec))
        // A BOM before and whitespace after, as an editor may leave them.
        config = [0xEF, 0xBB, 0xBF] + config + Array("\n\n".utf8)
        let decoded = try SpecLoader.decode(config, file: "config.json")
        XCTAssertEqual(decoded, spec)
        for (id, bytes) in [("with-bytes", Optional(config)), ("encoded", nil)] {
            try states.reserve(id)
            let state = ContainerState(id: id, pid: 42, pidStartTime: 7, bundle: "/b", rootfs: "/b/rootfs",
                                       created: "2026-12-01T10:00:00.000000000Z", cgroupPaths: ["memory": "/sys/fs/cgroup/memory/x"],
                                       config: decoded)
            try states.save(state, config: bytes)
            let back = try states.load(id)
            XCTAssertEqual(back.config, spec, id)
            XCTAssertEqual([back.id, back.bundle, back.rootfs, back.created], [id, "/b", "/b/rootfs", "2026-12-01T10:00:00.000000000Z"])
            XCTAssertEqual(back.pid, 42)
            XCTAssertEqual(back.pidStartTime, 7)
            XCTAssertEqual(back.cgroupPaths, ["memory": "/sys/fs/cgroup/memory/x"])
        }
        // Paths with what JSON must escape (the fields are written by hand).
        let odd = "/b \"q\" \\ \u{1}\t\n é 🚢"
        try states.reserve("odd")
        let state = ContainerState(id: "odd", pid: 1, pidStartTime: 2, bundle: odd, rootfs: odd + "/rootfs",
                                   created: "2026-12-01T10:00:00Z", cgroupPaths: ["pids": odd, "cpu": "/c"], config: decoded)
        try states.save(state, config: config)
        let back = try states.load("odd")
        XCTAssertEqual([back.bundle, back.rootfs], [odd, odd + "/rootfs"])
        XCTAssertEqual(back.cgroupPaths, ["pids": odd, "cpu": "/c"])
        XCTAssertEqual(back.config, spec)
    }
}
