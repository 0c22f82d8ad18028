import Foundation
import XCTest

/// The docker CLI 28 against the API with fake backends: wire compatibility
/// of negotiation, errors, multiplexed logs and hijacked exec/attach.
final class DockerCLITests: XCTestCase {
    var server: TestServer!
    var docker = ""

    override func setUp() async throws {
        docker = try ClientRun.tool("docker")
        server = try await TestServer()
    }

    override func tearDown() async throws { try await server?.stop() }

    private func cli(_ arguments: String..., stdin: String? = nil, env: [String: String] = [:]) throws -> ClientRun {
        try ClientRun.run(docker, ["-H", "unix://\(server.socketPath)"] + arguments, stdin: stdin, environment: env)
    }

    func testVersionNegotiatesTheCurrentAPI() throws {
        let run = try cli("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "1.50 1.12 1.50\n")
        let tooNew = try cli("version", env: ["DOCKER_API_VERSION": "1.99"])
        XCTAssertNotEqual(tooNew.status, 0)
        XCTAssertTrue(tooNew.stderr.contains("client version 1.99 is too new. Maximum supported API version is 1.50"), tooNew.stderr)
    }

    func testPsAndInfo() throws {
        let ps = try cli("ps", "--format", "{{.Names}} {{.Status}}")
        XCTAssertEqual(ps.status, 0, ps.stderr)
        XCTAssertEqual(ps.stdout, "c1 Up 5 minutes\nt1 Up 5 minutes\n")
        let info = try cli("info", "--format", "{{.Name}} {{.Swarm.LocalNodeState}}")
        XCTAssertEqual(info.stdout, "fakehost inactive\n", info.stderr)
    }

    func testInspectOfUnknownNamesFailsAsDocker() throws {
        let any = try cli("inspect", "nope")
        XCTAssertEqual(any.status, 1)
        XCTAssertTrue(any.stderr.contains("No such object: nope"), any.stderr)
        let container = try cli("container", "inspect", "nope")
        XCTAssertEqual(container.status, 1)
        XCTAssertTrue(container.stderr.contains("No such container: nope"), container.stderr)
        let found = try cli("inspect", "--format", "{{.Name}} {{.Config.Tty}}", "c1")
        XCTAssertEqual(found.stdout, "/c1 false\n", found.stderr)
    }

    func testLogsAreDemultiplexedOntoStdoutAndStderr() throws {
        let logs = try cli("logs", "c1")
        XCTAssertEqual(logs.status, 0, logs.stderr)
        XCTAssertEqual(logs.stdout, "hello from stdout\nbye\n")
        XCTAssertEqual(logs.stderr, "oops on stderr\n")
        let stamped = try cli("logs", "--timestamps", "t1")
        XCTAssertTrue(stamped.stdout.hasPrefix("2024-01-02T03:04:05.000000006Z hello from stdout\n"), stamped.stdout)
    }

    func testExecWithStdinIsHijackedAndStdinEOFEndsIt() throws {
        let exec = try cli("exec", "-i", "c1", "cat", stdin: "hello through exec\n")
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "hello through exec\n")
    }

    func testAttachEchoesStdinThroughTheBackend() throws {
        let attach = try cli("attach", "c1", stdin: "typed into attach\n")
        XCTAssertEqual(attach.status, 0, attach.stderr)
        XCTAssertEqual(attach.stdout, "typed into attach\n")
        XCTAssertEqual(attach.stderr, "stdin closed\n")
    }

    func testPullShowsProgressAndStreamedErrors() throws {
        let pull = try cli("pull", "busybox:1.36")
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertTrue(pull.stdout.contains("Downloaded newer image for busybox:1.36"), pull.stdout)
        let late = try cli("pull", "fail-late")
        XCTAssertEqual(late.status, 1)
        XCTAssertTrue(late.stderr.contains("connection to registry lost"), late.stderr)
    }
}
