import Foundation
import XCTest

/// examples/web-db with the docker CLI against berth: the web app, on a
/// published port, stores and reads values in the database by its name,
/// and the data survives recreating the database container.
final class WebDBExampleTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testWebAppStoresAndReadsThroughTheDatabaseByName() throws {
        let daemon = try DaemonHarness()
        defer { daemon.tearDown() }
        let example = Self.repo + "/examples/web-db"
        try daemon.start()
        let env = ["DOCKER_HOST": daemon.host, "DOCKER_CONFIG": daemon.dir + "/docker-config", "PORT": "18090"]
        let build = try DaemonHarness.run(["/bin/bash", example + "/build-images.sh", daemon.dir + "/images", "--load"], environment: env)
        XCTAssertEqual(build.status, 0, build.stderr + build.stdout)
        let run = try DaemonHarness.run(["/bin/bash", example + "/run.sh"], environment: env)
        XCTAssertEqual(run.status, 0, run.stderr + daemon.logText())
        defer { _ = try? DaemonHarness.run(["/bin/bash", example + "/cleanup.sh"], environment: env) }

        func get(_ query: String) throws -> String {
            var last = ""
            for _ in 0..<50 {
                let result = try DaemonHarness.run(["/usr/bin/curl", "-fsS", "-m", "3", "http://127.0.0.1:18090/cgi-bin/kv?\(query)"])
                if result.status == 0 { return result.stdout }
                last = result.stderr
                usleep(200_000)
            }
            return "failed: " + last
        }
        XCTAssertEqual(try get("key=greeting"), "NOTFOUND\n")
        XCTAssertEqual(try get("key=greeting&value=hello"), "OK\n")
        XCTAssertEqual(try get("key=greeting"), "hello\n")
        // The image's /data content was copied into the empty named volume.
        XCTAssertEqual(try daemon.docker(["exec", "db", "cat", "/data/README"]).stdout, "seeded by the image\n")

        XCTAssertEqual(try daemon.docker(["rm", "-f", "db"]).status, 0)
        XCTAssertEqual(try daemon.docker(["run", "-d", "--name", "db", "--network", "webdb", "-v", "webdb-data:/data", "web-db-kv:latest"]).status, 0)
        XCTAssertEqual(try get("key=greeting"), "hello\n", daemon.logText())
    }
}
