import BerthImages
import BerthOCI
import BerthTestSupport
import Foundation
import Glibc
import XCTest

/// busybox:latest is an index over amd64 and arm64/v8: `--platform`
/// chooses, and the arm64 busybox really runs (through qemu-user-static
/// registered in binfmt_misc) in a chroot on the unpacked layers.
final class MultiArchTests: XCTestCase {
    static let binfmt = "/proc/sys/fs/binfmt_misc"
    static let qemu = "/usr/bin/qemu-aarch64-static"

    func testPullArm64ByPlatformAndRunItUnderQemu() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let arm = try await service.pull("\(registry.host)/busybox:latest", platform: try Platform(parsing: "linux/arm64/v8"))
        XCTAssertEqual(arm.manifestDescriptor.digest.description, registry.images["busybox:arm64"])
        XCTAssertEqual(try service.inspect(arm.id.description).Architecture, "arm64")
        XCTAssertEqual(try service.inspect(arm.id.description).Variant, "v8")
        // One tag, one platform: the amd64 pull retags it, arm64 stays dangling by digest name.
        let amd = try await service.pull("\(registry.host)/busybox:latest", platform: try Platform(parsing: "linux/amd64"))
        XCTAssertNotEqual(amd.id, arm.id)
        XCTAssertEqual(try service.image("\(registry.host)/busybox:latest").id, amd.id)

        try withImageView(self, service, arm) { root in
            let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: root + "/bin/busybox")).readData(ofLength: 20)
            XCTAssertEqual(header[18], 0xB7, "e_machine is EM_AARCH64")
            guard let entry = try registerQemu() else { return }
            defer { entry.unregister() }
            let (status, output, error) = try runProgram(["/usr/sbin/chroot", root, "/bin/busybox", "sh", "-c", "echo hello from $(uname -m)"])
            XCTAssertEqual(status, 0, error)
            XCTAssertEqual(output, "hello from aarch64\n")
        }
    }

    /// An entry this test registered, removed again by `unregister`.
    struct Registration {
        let name: String?
        let mountedBinfmt: Bool
        func unregister() {
            if let name { try? "-1".write(toFile: "\(MultiArchTests.binfmt)/\(name)", atomically: false, encoding: .utf8) }
            if mountedBinfmt { umount(MultiArchTests.binfmt) }
        }
    }

    /// Uses an existing qemu-aarch64 entry with the F flag (the kernel opens
    /// the interpreter at registration, so it works inside a chroot), or
    /// registers one; nil (with a skip) where binfmt_misc is unavailable.
    func registerQemu() throws -> Registration? {
        guard FileManager.default.isExecutableFile(atPath: Self.qemu) else { throw XCTSkip("\(Self.qemu) is missing (apt-get install qemu-user-static)") }
        var mounted = false
        if !FileManager.default.fileExists(atPath: Self.binfmt + "/register") {
            guard mount("binfmt_misc", Self.binfmt, "binfmt_misc", 0, nil) == 0 else {
                throw XCTSkip("cannot mount binfmt_misc: \(String(cString: strerror(errno)))")
            }
            mounted = true
        }
        for name in ["qemu-aarch64", "berth-test-aarch64"] {
            if let text = try? String(contentsOfFile: "\(Self.binfmt)/\(name)", encoding: .utf8), text.hasPrefix("enabled"),
               text.contains("flags: F") || text.contains("flags: POCF") || text.contains("flags: OCF") {
                return Registration(name: nil, mountedBinfmt: mounted)
            }
        }
        // Debian's /usr/share/binfmts/qemu-aarch64 magic and mask.
        let magic = #"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"#
        let mask = #"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"#
        let rule = ":berth-test-aarch64:M::\(magic):\(mask):\(Self.qemu):F"
        do {
            try rule.write(toFile: Self.binfmt + "/register", atomically: false, encoding: .utf8)
        } catch {
            if mounted { umount(Self.binfmt) }
            throw XCTSkip("cannot register qemu-aarch64 in binfmt_misc: \(error)")
        }
        return Registration(name: "berth-test-aarch64", mountedBinfmt: mounted)
    }
}
