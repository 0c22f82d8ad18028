import BerthImages
import BerthOCI
import BerthStore
import BerthSystem
import BerthTestSupport
import Foundation
import XCTest

/// save/load/import with real archives: berth's own, one made the way
/// `docker save` (before 25) lays it out, OCI layouts, and hostile ones.
final class ArchiveTests: XCTestCase {
    /// Runs a Python snippet (tarfile makes archives the way Go's archive/tar reads them).
    func python(_ script: String, _ arguments: [String]) throws {
        let (status, _, stderr) = try runProgram(["/usr/bin/python3", "-c", script] + arguments)
        XCTAssertEqual(status, 0, stderr)
    }

    func testSaveThenLoadRoundTrip() async throws {
        try requireRoot()
        try requireRegistry()
        let registry = try TestRegistry.start(mode: .plain, images: ["busybox", "layers"])
        defer { registry.stop() }
        let source = try makeService(self, registry: registry)
        let busybox = try await source.pull("\(registry.host)/busybox:amd64")
        let layers = try await source.pull("\(registry.host)/layers:latest")
        try source.tag("\(registry.host)/busybox:amd64", as: "saved/busybox:v1")
        let archive = try makeTempDir(self, "archive") + "/images.tar"
        try source.save(["saved/busybox:v1", "\(registry.host)/layers:latest"], to: archive)

        // A docker archive and an OCI layout in one tar, as docker 25+ writes.
        let (_, listing, _) = try runProgram(["/usr/bin/tar", "-tf", archive])
        for member in ["manifest.json", "index.json", "oci-layout", "repositories", "blobs/sha256/\(busybox.id.hex)"] {
            XCTAssertTrue(listing.split(separator: "\n").contains(Substring(member)), "\(member) in \(listing)")
        }

        let target = try makeService(self)
        let lines = try await target.load(from: archive)
        XCTAssertEqual(lines.sorted(), ["Loaded image: \(registry.host)/layers:latest", "Loaded image: saved/busybox:v1"])
        let loaded = try target.image("saved/busybox:v1")
        XCTAssertEqual(loaded.id, busybox.id)
        XCTAssertEqual(loaded.manifestDescriptor.digest, busybox.manifestDescriptor.digest, "the manifest survives byte for byte")
        XCTAssertEqual(try target.inspect("saved/busybox:v1").RootFS, try source.inspect("saved/busybox:v1").RootFS)
        let reloaded = try target.image("\(registry.host)/layers:latest")
        XCTAssertEqual(reloaded.chainIDs, layers.chainIDs)
        try withImageView(self, target, reloaded) { root in
            XCTAssertEqual(try String(contentsOfFile: root + "/etc/layers-marker", encoding: .utf8), "12\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/data/b.txt"), "whiteouts survive save/load")
        }
        XCTAssertTrue(try target.store.fsck().isClean)
    }

    /// The pre-25 `docker save` layout: ID/layer.tar uncompressed, ID.json
    /// config, manifest.json and repositories, a repeated layer as a symlink.
    func testLoadsAnArchiveLaidOutAsDockerSaveWritesIt() async throws {
        try requireRoot()
        try requireRegistry()
        let layout = try XCTUnwrap(TestRegistry.start(mode: .plain, images: ["busybox"]).layoutDirectory)
        let fixtures = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/fixtures.json"))) as! [String: [String: Any]]
        let manifestDigest = fixtures["busybox:amd64"]!["digest"] as! String
        let archive = try makeTempDir(self, "archive") + "/docker-save.tar"
        try python(#"""
        import gzip, hashlib, io, json, sys, tarfile
        layout, digest, out = sys.argv[1:4]
        blob = lambda d: open(f"{layout}/blobs/sha256/{d.split(':')[1]}", "rb").read()
        manifest = json.loads(blob(digest))
        config = blob(manifest["config"]["digest"])
        layer = gzip.decompress(blob(manifest["layers"][0]["digest"]))
        cfg_hex = manifest["config"]["digest"].split(":")[1]
        v1 = hashlib.sha256(b"v1" + layer).hexdigest()
        t = tarfile.open(out, "w", format=tarfile.GNU_FORMAT)
        def add(name, data):
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        d = tarfile.TarInfo(v1); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
        add(f"{v1}/VERSION", b"1.0")
        add(f"{v1}/layer.tar", layer)
        add(f"{v1}/json", json.dumps({"id": v1}).encode())
        add(f"{cfg_hex}.json", config)
        add("manifest.json", json.dumps([{"Config": f"{cfg_hex}.json", "RepoTags": ["legacy/busybox:1.0"],
                                          "Layers": [f"{v1}/layer.tar"]}]).encode())
        add("repositories", json.dumps({"legacy/busybox": {"1.0": v1}}).encode())
        t.close()
        """#, [layout, manifestDigest, archive])

        let service = try makeService(self)
        let lines = try await service.load(from: archive)
        XCTAssertEqual(lines, ["Loaded image: legacy/busybox:1.0"])
        let image = try service.image("legacy/busybox:1.0")
        XCTAssertEqual(image.config.rootfs.diffIDs.map(\.description), fixtures["busybox:amd64"]!["layerDiffIDs"] as? [String])
        XCTAssertEqual(image.manifest.layers.first?.mediaType, "application/vnd.docker.image.rootfs.diff.tar")
        try withImageView(self, service, image) { root in
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: root + "/bin/busybox"))
        }
        XCTAssertTrue(try service.store.fsck().isClean)
    }

    /// Each hostile archive is refused with an error naming what is wrong,
    /// and the store is left exactly as it was.
    func testHostileArchivesAreRejectedAndLeaveNothingBehind() async throws {
        try requireRoot()
        try requireRegistry()
        let layout = try XCTUnwrap(TestRegistry.start(mode: .plain, images: ["busybox"]).layoutDirectory)
        let fixtures = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/fixtures.json"))) as! [String: [String: Any]]
        let manifestDigest = fixtures["busybox:amd64"]!["digest"] as! String
        let directory = try makeTempDir(self, "hostile")
        try python(#"""
        import gzip, io, json, sys, tarfile
        layout, digest, out = sys.argv[1:4]
        blob = lambda d: open(f"{layout}/blobs/sha256/{d.split(':')[1]}", "rb").read()
        manifest = json.loads(blob(digest))
        config = blob(manifest["config"]["digest"]); cfg = manifest["config"]["digest"].split(":")[1]
        layer = blob(manifest["layers"][0]["digest"]); lhex = manifest["layers"][0]["digest"].split(":")[1]
        def archive(name, members):
            t = tarfile.open(f"{out}/{name}.tar", "w", format=tarfile.PAX_FORMAT)
            for n, data in members:
                ti = tarfile.TarInfo(n); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
            t.close()
        good = [(f"blobs/sha256/{cfg}", config), (f"blobs/sha256/{lhex}", layer)]
        entry = lambda layers: ("manifest.json", json.dumps([{"Config": f"blobs/sha256/{cfg}", "RepoTags": ["evil:1"], "Layers": layers}]).encode())
        archive("traversal-member", good + [("../../escape", b"x"), entry([f"blobs/sha256/{lhex}"])])
        archive("traversal-layer-path", good + [entry(["../../../etc/passwd"])])
        archive("malformed-manifest", good + [("manifest.json", b"[{\"Config\": 42,")])
        bad = bytearray(layer); bad[len(bad) // 2] ^= 0xff
        archive("bad-digest", [(f"blobs/sha256/{cfg}", config), (f"blobs/sha256/{lhex}", bytes(bad)), entry([f"blobs/sha256/{lhex}"])])
        # A layer whose own tar climbs out of the rootfs.
        evil = io.BytesIO(); lt = tarfile.open(fileobj=evil, mode="w")
        ti = tarfile.TarInfo("../../../../tmp/berth-escaped"); ti.size = 3; lt.addfile(ti, io.BytesIO(b"pwn")); lt.close()
        evil_cfg = json.loads(config); evil_cfg["rootfs"]["diff_ids"] = ["sha256:" + __import__("hashlib").sha256(evil.getvalue()).hexdigest()]
        ecfg = json.dumps(evil_cfg).encode(); ehex = __import__("hashlib").sha256(ecfg).hexdigest()
        archive("traversal-in-layer", [(f"{ehex}.json", ecfg), ("l/layer.tar", evil.getvalue()),
                                       ("manifest.json", json.dumps([{"Config": f"{ehex}.json", "RepoTags": ["evil:2"], "Layers": ["l/layer.tar"]}]).encode())])
        archive("neither", [("hello.txt", b"hi")])
        """#, [layout, manifestDigest, directory])

        let service = try makeService(self)
        let before = try StoreSnapshot(service.store)
        let cases: [(String, BerthError.Code, String)] = [
            ("traversal-member", .invalidArgument, "\"../../escape\" points outside the archive (path traversal)"),
            ("traversal-layer-path", .invalidArgument, "\"../../../etc/passwd\" points outside the archive"),
            ("malformed-manifest", .invalidArgument, "manifest.json in"),
            ("bad-digest", .invalidArgument, "does not match its digest"),
            ("traversal-in-layer", .invalidArgument, "escapes the layer root"),
            ("neither", .invalidArgument, "neither a docker archive"),
        ]
        for (name, code, fragment) in cases {
            await assertBerthError(code, contains: fragment) { try await service.load(from: "\(directory)/\(name).tar") }
            XCTAssertEqual(try StoreSnapshot(service.store), before, "\(name) left something in the store")
            XCTAssertTrue(try service.store.fsck().isClean, name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/berth-escaped"))
    }

    func testImportRootfsTarball() async throws {
        try requireRoot()
        let directory = try makeTempDir(self, "import")
        try FileManager.default.createDirectory(atPath: directory + "/tree/etc", withIntermediateDirectories: true)
        try Data("imported\n".utf8).write(to: URL(fileURLWithPath: directory + "/tree/etc/motd"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/tree/motd-link", withDestinationPath: "etc/motd")
        XCTAssertEqual(try runProgram(["/usr/bin/tar", "-czf", directory + "/rootfs.tar.gz", "-C", directory + "/tree", "."]).0, 0)

        let service = try makeService(self)
        let image = try await service.importRootfs(from: directory + "/rootfs.tar.gz", reference: "imported:v1")
        XCTAssertEqual(image.repoTags, ["imported:v1"])
        XCTAssertEqual(image.manifest.layers.count, 1)
        XCTAssertEqual(image.manifest.layers[0].mediaType, MediaType.dockerLayerGzip)
        XCTAssertEqual(image.config.architecture, Platform.current.architecture)
        XCTAssertEqual(image.config.history?.first?.comment, "Imported from \(directory)/rootfs.tar.gz")
        try withImageView(self, service, image) { root in
            XCTAssertEqual(try String(contentsOfFile: root + "/etc/motd", encoding: .utf8), "imported\n")
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/motd-link"), "etc/motd")
        }
        // Imported twice: the same layer, a new image (its created time differs).
        let again = try await service.importRootfs(from: directory + "/rootfs.tar.gz")
        XCTAssertEqual(again.chainIDs, image.chainIDs)
        XCTAssertEqual(try service.images().count, 2)
        await assertBerthError(.notFound, contains: "/nonexistent.tar") { try await service.importRootfs(from: "/nonexistent.tar") }
    }
}
