import XCTest
@testable import BerthOCI
@testable import BerthSystem

final class ManifestTests: XCTestCase {
    let h1 = String(repeating: "1", count: 64), h2 = String(repeating: "2", count: 64), h3 = String(repeating: "3", count: 64)

    func testDecodesDockerSchema2Manifest() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":"sha256:\(h1)"},
         "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2479,"digest":"sha256:\(h2)"}]}
        """
        guard case .image(let m) = try Manifest(decoding: Data(json.utf8)) else { return XCTFail("not an image manifest") }
        XCTAssertEqual(m.config.size, 1469)
        XCTAssertEqual(m.layers.map(\.digest.hex), [h2])
        XCTAssertEqual(try Manifest(decoding: Data(json.utf8)).mediaType, MediaType.dockerManifest)
    }

    func testDecodesOCIIndexAndDockerListByContentTypeOrShape() throws {
        let list = """
        {"schemaVersion":2,"manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7143,"digest":"sha256:\(h1)","platform":{"architecture":"ppc64le","os":"linux"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,"digest":"sha256:\(h2)","platform":{"architecture":"arm64","os":"linux","variant":"v8","os.features":["x"]}}],
         "annotations":{"com.example.key1":"value1"}}
        """
        // No mediaType in the body: the Content-Type decides, then the shape.
        for type in [MediaType.ociIndex, MediaType.dockerManifestList, nil] {
            guard case .index(let index) = try Manifest(decoding: Data(list.utf8), mediaType: type) else {
                return XCTFail("not an index for \(type ?? "nil")")
            }
            XCTAssertEqual(index.manifests.count, 2)
            XCTAssertEqual(index.manifests[1].platform?.variant, "v8")
            XCTAssertEqual(index.manifests[1].platform?.osFeatures, ["x"])
            XCTAssertEqual(index.annotations?["com.example.key1"], "value1")
        }
    }

    func testRejectsSchema1AndBrokenManifestsNamingTheField() {
        let schema1 = #"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[{"blobSum":"sha256:x"}]}"#
        XCTAssertThrowsError(try Manifest(decoding: Data(schema1.utf8))) { error in
            XCTAssertEqual((error as? BerthError)?.code, .notImplemented)
            XCTAssertTrue("\(error)".contains("schema1"))
        }
        let noConfig = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#
        XCTAssertThrowsError(try Manifest(decoding: Data(noConfig.utf8))) { error in
            XCTAssertTrue("\(error)".contains("missing field \"config\""), "\(error)")
        }
        let badDigest = #"{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:zz"},"layers":[]}"#
        XCTAssertThrowsError(try Manifest(decoding: Data(badDigest.utf8), mediaType: MediaType.ociManifest)) { error in
            XCTAssertEqual("\(error)", #"invalid image manifest: invalid sha256 digest hex "zz""#)
        }
        XCTAssertThrowsError(try Manifest(decoding: Data("not json".utf8)))
    }

    func testDecodesDockerImageConfig() throws {
        let json = """
        {"architecture":"arm","variant":"v7","os":"linux","created":"2024-01-01T00:00:00.123456789Z",
         "config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{},"53/udp":{}},"Env":["PATH=/bin","A=b"],
           "Entrypoint":["/entry"],"Cmd":["sh","-c","x"],"Volumes":{"/data":{}},"WorkingDir":"/srv",
           "Labels":{"k":"v"},"StopSignal":"SIGQUIT","ArgsEscaped":true,
           "Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":5000000000,"StartPeriod":1,"StartInterval":2,"Retries":3},
           "OnBuild":["RUN echo"],"Shell":["/bin/bash","-c"],"Hostname":"ignored"},
         "rootfs":{"type":"layers","diff_ids":["sha256:\(h1)","sha256:\(h2)"]},
         "history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD x /","empty_layer":false},{"created_by":"CMD","empty_layer":true}],
         "docker_version":"24.0.0","container":"abc"}
        """
        let config = try JSONDecoder().decode(ImageConfig.self, from: Data(json.utf8))
        XCTAssertEqual(config.platform, Platform(os: "linux", architecture: "arm", variant: "v7"))
        let c = try XCTUnwrap(config.config)
        XCTAssertEqual(c.user, "1000:1000")
        XCTAssertEqual(Set(c.exposedPorts?.keys ?? [:].keys), ["80/tcp", "53/udp"])
        XCTAssertEqual(c.env, ["PATH=/bin", "A=b"])
        XCTAssertEqual(c.entrypoint, ["/entry"])
        XCTAssertEqual(c.cmd, ["sh", "-c", "x"])
        XCTAssertEqual(c.volumes?.keys.first, "/data")
        XCTAssertEqual(c.workingDir, "/srv")
        XCTAssertEqual(c.stopSignal, "SIGQUIT")
        XCTAssertEqual(c.healthcheck?.interval, 30_000_000_000)
        XCTAssertEqual(c.healthcheck?.retries, 3)
        XCTAssertEqual(c.onBuild, ["RUN echo"])
        XCTAssertEqual(c.shell, ["/bin/bash", "-c"])
        XCTAssertEqual(config.rootfs.diffIDs.map(\.hex), [h1, h2])
        XCTAssertEqual(config.history?.map { $0.emptyLayer ?? false }, [false, true])
        XCTAssertEqual(config.dockerVersion, "24.0.0")
        // Round trip keeps docker's key spelling.
        let again = try JSONDecoder().decode(ImageConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(again, config)
        let text = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        XCTAssertTrue(text.contains("\"diff_ids\"") && text.contains("\"ExposedPorts\""), text)
    }
}
