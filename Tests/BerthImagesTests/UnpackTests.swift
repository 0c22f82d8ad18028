import BerthImages
import BerthOCI
import BerthStore
import BerthTestSupport
import Foundation
import Glibc
import XCTest

/// layers:latest (12 layers: whiteouts, an opaque directory, hard links,
/// symlinks, a file replaced by a directory, an xattr) must look through
/// the overlay exactly as tests/fixtures/images.py's `expect` says.
final class UnpackTests: XCTestCase {
    func testWhiteoutsHardlinksSymlinksAndXattrsSurviveUnpack() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["layers"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let image = try await service.pull("\(registry.host)/layers:latest")
        XCTAssertEqual(image.manifest.layers.count, 12)

        let fixtures = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry.layoutDirectory! + "/fixtures.json"))) as! [String: Any]
        let expect = (fixtures["layers:latest"] as! [String: Any])["expect"] as! [String: String]
        XCTAssertEqual((fixtures["layers:latest"] as! [String: Any])["layerDiffIDs"] as? [String], image.config.rootfs.diffIDs.map(\.description))

        try withImageView(self, service, image) { root in
            for (path, rule) in expect.sorted(by: { $0.key < $1.key }) {
                let full = root + "/" + path
                var info = stat()
                let exists = lstat(full, &info) == 0
                let (kind, detail) = rule.firstIndex(of: ":").map { (String(rule[..<$0]), String(rule[rule.index(after: $0)...])) } ?? (rule, "")
                switch kind {
                case "absent":
                    XCTAssertFalse(exists, "\(path) should be gone")
                case "dir":
                    XCTAssertEqual(info.st_mode & S_IFMT, S_IFDIR, "\(path) is a directory")
                case "file":
                    XCTAssertEqual(try? String(contentsOfFile: full, encoding: .utf8), detail, path)
                case "symlink":
                    XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: full), detail, path)
                case "hardlink":
                    var other = stat()
                    XCTAssertEqual(lstat(root + "/" + detail, &other), 0)
                    XCTAssertEqual(info.st_ino, other.st_ino, "\(path) is a hard link of \(detail)")
                    XCTAssertGreaterThanOrEqual(info.st_nlink, 2)
                case "mode":
                    XCTAssertEqual(String(info.st_mode & 0o7777, radix: 8), String(detail.dropFirst(1)), path)
                case "owner":
                    XCTAssertEqual("\(info.st_uid):\(info.st_gid)", detail, path)
                case "xattr":
                    let parts = detail.split(separator: "=", maxSplits: 1).map(String.init)
                    // Glibc's module has no getxattr; Python reads it as any tool would.
                    let (status, value, error) = try runProgram(["/usr/bin/python3", "-c",
                        "import os,sys;sys.stdout.write(os.getxattr(sys.argv[1],sys.argv[2]).decode())", full, parts[0]])
                    XCTAssertEqual(status, 0, error)
                    XCTAssertEqual(value, parts[1], "\(path) has \(parts[0])")
                default:
                    XCTFail("unknown expectation \(rule) for \(path)")
                }
            }
        }
        XCTAssertTrue(try service.store.fsck().isClean)
    }

    func testContainerRootfsIsWritableOverlayOverTheImage() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox"])
        defer { registry.stop() }
        let service = try makeService(self, registry: registry)
        let image = try await service.pull("\(registry.host)/busybox:amd64")
        let mounts = try service.prepareRootfs(image: "\(registry.host)/busybox:amd64", containerKey: "container-1")
        XCTAssertEqual(mounts.map(\.type), ["overlay"])
        XCTAssertEqual(mounts.first?.lowerDirectories.count, 1)
        let target = try makeTempDir(self, "rootfs")
        try Mounter.mount(mounts, at: target)
        defer { try? Mounter.unmount(target) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: target + "/bin/busybox"))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: target + "/tmp/new"))
        try FileManager.default.removeItem(atPath: target + "/etc/passwd")
        // The image's layer is untouched.
        try withImageView(self, service, image) { root in
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/etc/passwd"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/tmp/new"))
        }
        XCTAssertEqual(try service.usage.containers(using: image.id), ["container-1"])
        try Mounter.unmount(target)
        try service.removeRootfs(containerKey: "container-1")
        XCTAssertEqual(try service.usage.containers(using: image.id), [])
    }
}
