import Foundation
import XCTest

/// examples/web-db/compose.yaml run with `berth compose` and with Debian's
/// docker-compose 1.29 against a real `berth daemon`: the web app answers on
/// its published port, the data survives `down` and `up` (named volume), a
/// second `up` recreates nothing, and scale, exec, run --rm, logs, stop and
/// down -v do what a user expects.
final class ComposeTests: XCTestCase {
    static let example = WebDBExampleTests.repo + "/examples/web-db"

    struct Setup {
        let daemon: DaemonHarness
        let env: [String: String]
        let port: Int
    }

    func setUpExample(port: Int) throws -> Setup {
        let daemon = try DaemonHarness()
        try daemon.start()
        let env = ["DOCKER_HOST": daemon.host, "DOCKER_CONFIG": daemon.dir + "/docker-config", "PORT": String(port)]
        let build = try DaemonHarness.run(["/bin/bash", Self.example + "/build-images.sh", daemon.dir + "/images", "--load"], environment: env)
        guard build.status == 0 else { daemon.tearDown(); throw HarnessError(message: build.stderr + build.stdout) }
        return Setup(daemon: daemon, env: env, port: port)
    }

    func get(_ port: Int, _ query: String) throws -> String {
        var last = ""
        for _ in 0..<50 {
            let result = try DaemonHarness.run(["/usr/bin/curl", "-fsS", "-m", "3", "http://127.0.0.1:\(port)/cgi-bin/kv?\(query)"])
            if result.status == 0 { return result.stdout }
            last = result.stderr
            usleep(200_000)
        }
        return "failed: " + last
    }

    /// Container IDs of the project, sorted.
    func ids(_ s: Setup, project: String) throws -> [String] {
        try s.daemon.docker(["ps", "-aq", "--no-trunc", "--filter", "label=com.docker.compose.project=\(project)"])
            .stdout.split(separator: "\n").map(String.init).sorted()
    }

    func testWebDBWithBerthCompose() throws {
        let s = try setUpExample(port: 18091)
        defer { s.daemon.tearDown() }
        func compose(_ args: [String], stdin: String? = nil) throws -> DaemonHarness.Result {
            try DaemonHarness.run([DaemonHarness.berth, "compose", "-f", Self.example + "/compose.yaml", "-p", "bwebdb"] + args,
                                  stdin: stdin, timeout: 120, environment: s.env)
        }
        defer { _ = try? compose(["down", "-v"]) }

        let up = try compose(["up", "-d"])
        XCTAssertEqual(up.status, 0, up.stderr + s.daemon.logText())
        XCTAssertEqual(try get(s.port, "key=greeting"), "NOTFOUND\n")
        XCTAssertEqual(try get(s.port, "key=greeting&value=hello"), "OK\n")
        XCTAssertEqual(try get(s.port, "key=greeting"), "hello\n")

        let ps = try compose(["ps"])
        XCTAssertEqual(ps.status, 0, ps.stderr)
        XCTAssertTrue(ps.stdout.contains("bwebdb-db-1"), ps.stdout)
        XCTAssertTrue(ps.stdout.contains("bwebdb-web-1") && ps.stdout.contains("0.0.0.0:18091->80/tcp"), ps.stdout)

        // A second up changes nothing.
        let before = try ids(s, project: "bwebdb")
        let again = try compose(["up", "-d"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("Recreate") || again.stderr.contains("Creat"), again.stderr)
        XCTAssertEqual(try ids(s, project: "bwebdb"), before)

        let logs = try compose(["logs", "db"])
        XCTAssertEqual(logs.status, 0, logs.stderr)
        XCTAssertTrue(logs.stdout.contains("bwebdb-db-1  | kv server listening on :6379"), logs.stdout)

        let exec = try compose(["exec", "-T", "db", "cat", "/data/greeting"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "hello\n")
        XCTAssertEqual(try compose(["exec", "-T", "db", "sh", "-c", "exit 3"]).status, 3)

        // run --rm: a one-off container on the project's network and volume, gone after.
        let run = try compose(["run", "--rm", "-T", "db", "cat", "/data/greeting"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "hello\n")
        XCTAssertEqual(try ids(s, project: "bwebdb"), before)

        // Scale db to 2 and back: numbered containers, the first kept.
        let scaled = try compose(["up", "-d", "--scale", "db=2"])
        XCTAssertEqual(scaled.status, 0, scaled.stderr)
        XCTAssertEqual(try s.daemon.docker(["ps", "--format", "{{.Names}}", "--filter", "label=com.docker.compose.service=db"])
            .stdout.split(separator: "\n").sorted(), ["bwebdb-db-1", "bwebdb-db-2"])
        XCTAssertEqual(try compose(["up", "-d"]).status, 0)
        XCTAssertEqual(try ids(s, project: "bwebdb"), before)

        // down keeps the named volume: the value is still there after up.
        let down = try compose(["down"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(try ids(s, project: "bwebdb"), [])
        XCTAssertEqual(try compose(["up", "-d"]).status, 0)
        XCTAssertEqual(try get(s.port, "key=greeting"), "hello\n")

        // down -v removes containers, the network and the volume.
        let downV = try compose(["down", "-v"])
        XCTAssertEqual(downV.status, 0, downV.stderr)
        XCTAssertEqual(try ids(s, project: "bwebdb"), [])
        XCTAssertFalse(try s.daemon.docker(["volume", "ls", "-q"]).stdout.contains("bwebdb_data"))
        XCTAssertFalse(try s.daemon.docker(["network", "ls", "--format", "{{.Name}}"]).stdout.contains("bwebdb_backend"))
    }

    func testWebDBWithDockerCompose() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose") else {
            throw XCTSkip("docker-compose missing: run scripts/install-deps.sh")
        }
        let s = try setUpExample(port: 18092)
        defer { s.daemon.tearDown() }
        func compose(_ args: [String]) throws -> DaemonHarness.Result {
            try DaemonHarness.run(["/usr/bin/docker-compose", "-f", Self.example + "/compose.yaml", "-p", "dwebdb"] + args,
                                  timeout: 120, environment: s.env)
        }
        defer { _ = try? compose(["down", "-v"]) }

        let up = try compose(["up", "-d"])
        XCTAssertEqual(up.status, 0, up.stderr + s.daemon.logText())
        XCTAssertEqual(try get(s.port, "key=greeting&value=from-compose"), "OK\n")
        XCTAssertEqual(try get(s.port, "key=greeting"), "from-compose\n")

        let ps = try compose(["ps"])
        XCTAssertEqual(ps.status, 0, ps.stderr)
        XCTAssertTrue(ps.stdout.contains("dwebdb_db_1") && ps.stdout.contains("dwebdb_web_1"), ps.stdout)

        let before = try ids(s, project: "dwebdb")
        let again = try compose(["up", "-d"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("dwebdb_db_1 is up-to-date"), again.stderr)
        XCTAssertEqual(try ids(s, project: "dwebdb"), before)

        let logs = try compose(["logs", "--no-color", "db"])
        XCTAssertEqual(logs.status, 0, logs.stderr)
        XCTAssertTrue(logs.stdout.contains("kv server listening on :6379"), logs.stdout)

        let exec = try compose(["exec", "-T", "db", "cat", "/data/greeting"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "from-compose\n")

        let run = try compose(["run", "--rm", "-T", "db", "cat", "/data/greeting"])
        XCTAssertEqual(run.status, 0, run.stderr + s.daemon.logText())
        XCTAssertEqual(run.stdout, "from-compose\n")
        XCTAssertEqual(try ids(s, project: "dwebdb"), before)

        let scaled = try compose(["up", "-d", "--scale", "db=2"])
        XCTAssertEqual(scaled.status, 0, scaled.stderr)
        XCTAssertEqual(try s.daemon.docker(["ps", "--format", "{{.Names}}", "--filter", "label=com.docker.compose.service=db"])
            .stdout.split(separator: "\n").sorted(), ["dwebdb_db_1", "dwebdb_db_2"])

        XCTAssertEqual(try compose(["stop"]).status, 0)
        XCTAssertEqual(try s.daemon.docker(["ps", "-q", "--filter", "label=com.docker.compose.project=dwebdb"]).stdout, "")
        XCTAssertEqual(try compose(["down"]).status, 0)
        XCTAssertEqual(try compose(["up", "-d"]).status, 0)
        XCTAssertEqual(try get(s.port, "key=greeting"), "from-compose\n")

        let downV = try compose(["down", "-v"])
        XCTAssertEqual(downV.status, 0, downV.stderr)
        XCTAssertEqual(try ids(s, project: "dwebdb"), [])
        XCTAssertFalse(try s.daemon.docker(["volume", "ls", "-q"]).stdout.contains("dwebdb_data"))
    }

    /// depends_on conditions: `app` starts only once `cache` is healthy and
    /// `migrate` exited 0, with berth compose and with docker-compose; the
    /// health status shows in `ps` and inspect.
    static let dependencyFile = """
    services:
      cache:
        image: busybox:latest
        command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 600"]
        stop_signal: SIGKILL
        healthcheck:
          test: ["CMD", "test", "-f", "/tmp/ready"]
          interval: 200ms
          retries: 50
      migrate:
        image: busybox:latest
        command: ["sh", "-c", "echo migrated"]
      app:
        image: busybox:latest
        command: ["sleep", "600"]
        stop_signal: SIGKILL
        depends_on:
          cache:
            condition: service_healthy
          migrate:
            condition: service_completed_successfully
    """

    func testDependsOnConditionsWaitForHealthAndCompletion() throws {
        let daemon = try DaemonHarness()
        defer { daemon.tearDown() }
        try daemon.start()
        let dir = daemon.dir + "/deps"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.dependencyFile.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let env = ["DOCKER_HOST": daemon.host, "DOCKER_CONFIG": daemon.dir + "/docker-config"]
        var tools = [["berth", DaemonHarness.berth, "compose"]]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose") { tools.append(["dc", "/usr/bin/docker-compose"]) }
        for tool in tools {
            let project = "deps" + tool[0]
            let argv = Array(tool.dropFirst()) + ["-f", dir + "/compose.yaml", "-p", project]
            let up = try DaemonHarness.run(argv + ["up", "-d"], timeout: 120, environment: env)
            XCTAssertEqual(up.status, 0, tool[0] + ": " + up.stderr + daemon.logText())
            let names = try daemon.docker(["ps", "-a", "--format", "{{.Names}} {{.Status}}", "--filter", "label=com.docker.compose.project=\(project)"]).stdout
            let cache = names.split(separator: "\n").first { $0.contains("cache") } ?? ""
            XCTAssertTrue(cache.contains("(healthy)"), tool[0] + ": " + names)
            // app started after cache was healthy and migrate had finished.
            let appID = try daemon.docker(["ps", "-q", "--filter", "label=com.docker.compose.service=app",
                                           "--filter", "label=com.docker.compose.project=\(project)"]).stdout
            XCTAssertFalse(appID.isEmpty, tool[0] + ": " + names)
            func time(_ service: String, _ field: String) throws -> String {
                let id = try daemon.docker(["ps", "-aq", "--filter", "label=com.docker.compose.service=\(service)",
                                            "--filter", "label=com.docker.compose.project=\(project)"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return try daemon.docker(["inspect", "--format", "{{\(field)}}", id]).stdout
            }
            let appStarted = try time("app", ".State.StartedAt")
            XCTAssertGreaterThan(appStarted, try time("migrate", ".State.FinishedAt"), tool[0])
            let healthLog = try time("cache", "json .State.Health")
            XCTAssertTrue(healthLog.contains("\"Status\":\"healthy\""), healthLog)
            let down = try DaemonHarness.run(argv + ["down"], timeout: 120, environment: env)
            XCTAssertEqual(down.status, 0, tool[0] + ": " + down.stderr)
        }
    }

    /// A version-1 file (no `version:`, services at the top level, `links`):
    /// docker-compose 1.29 speaks API v1.21 for it and puts the containers
    /// on the default bridge, where web reaches db through its link; berth
    /// compose reads the same file the same way.
    static let versionOneFile = """
    db:
      image: web-db-kv:latest
      stop_signal: SIGKILL
    web:
      image: web-db-web:latest
      stop_signal: SIGKILL
      links:
        - db
      ports:
        - "${PORT}:80"
    """

    func testVersionOneFileWithDockerComposeAndBerthCompose() throws {
        let s = try setUpExample(port: 18093)
        defer { s.daemon.tearDown() }
        let dir = s.daemon.dir + "/v1"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.versionOneFile.write(toFile: dir + "/docker-compose.yml", atomically: true, encoding: .utf8)
        var tools = [["berth", DaemonHarness.berth, "compose"]]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose") { tools.append(["dc", "/usr/bin/docker-compose"]) }
        for tool in tools {
            let project = "v1" + tool[0]
            let argv = Array(tool.dropFirst()) + ["-f", dir + "/docker-compose.yml", "-p", project]
            func compose(_ args: [String]) throws -> DaemonHarness.Result {
                try DaemonHarness.run(argv + args, timeout: 120, environment: s.env)
            }
            defer { _ = try? compose(["down"]) }
            let up = try compose(["up", "-d"])
            XCTAssertEqual(up.status, 0, tool[0] + ": " + up.stderr + s.daemon.logText())
            // web finds db by its link's name.
            XCTAssertEqual(try get(s.port, "key=old&value=\(tool[0])"), "OK\n", tool[0])
            XCTAssertEqual(try get(s.port, "key=old"), tool[0] + "\n", tool[0])
            let ps = try compose(["ps"])
            XCTAssertEqual(ps.status, 0, ps.stderr)
            XCTAssertTrue(ps.stdout.contains("\(project)\(tool[0] == "dc" ? "_web_1" : "-web-1")"), tool[0] + ": " + ps.stdout)
            // The default bridge, no project network.
            let web = try s.daemon.docker(["ps", "-q", "--filter", "label=com.docker.compose.project=\(project)",
                                           "--filter", "label=com.docker.compose.service=web"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(try s.daemon.docker(["inspect", "--format", "{{.HostConfig.NetworkMode}}", web]).stdout, "bridge\n", tool[0])
            XCTAssertFalse(try s.daemon.docker(["network", "ls", "--format", "{{.Name}}"]).stdout.contains(project), tool[0])
            let down = try compose(["down"])
            XCTAssertEqual(down.status, 0, tool[0] + ": " + down.stderr)
            XCTAssertEqual(try ids(s, project: project), [], tool[0])
        }
    }
}
