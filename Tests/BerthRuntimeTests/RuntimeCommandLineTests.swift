import XCTest
import Foundation
import BerthOCI

/// `berth runtime`'s command line as containerd, dockerd and people type
/// it: help, errors (on stderr and in a JSON --log), runc's option forms.
final class RuntimeCommandLineTests: XCTestCase {
    var h: RuntimeHarness!

    override func setUp() { h = RuntimeHarness() }
    override func tearDown() { h?.cleanUp() }

    func testHelpIsGeneratedFromEachVerbsOptions() {
        let top = TestBundle.run(TestBundle.berth, ["runtime", "--help"])
        XCTAssertEqual(top.status, 0, top.stderr)
        for verb in ["create", "start", "state", "kill", "delete", "run", "exec", "ps", "pause", "resume", "spec", "list", "update"] {
            XCTAssertTrue(top.stdout.contains("\n  \(verb) "), "berth runtime --help lists \(verb):\n\(top.stdout)")
        }
        XCTAssertTrue(top.stdout.contains("--root DIR"), top.stdout)

        let create = h.berth(["create", "--help"])
        XCTAssertEqual(create.status, 0, create.stderr)
        XCTAssertTrue(create.stdout.hasPrefix("USAGE: berth runtime create [OPTIONS] CONTAINER_ID\n"), create.stdout)
        for option in ["-b, --bundle DIR", "--console-socket PATH", "--pid-file PATH", "--no-pivot", "--preserve-fds N", "-h, --help"] {
            XCTAssertTrue(create.stdout.contains(option), "create --help lists \(option):\n\(create.stdout)")
        }
        let exec = h.berth(["exec", "-h"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        for option in ["-e, --env NAME=VALUE", "-g, --additional-gids GID", "-p, --process FILE", "-t, --tty", "--cap CAP"] {
            XCTAssertTrue(exec.stdout.contains(option), "exec --help lists \(option):\n\(exec.stdout)")
        }
        XCTAssertEqual(TestBundle.run(TestBundle.berth, ["runtime", "--version"]).stdout, "berth runtime 0.1.0\nspec: 1.2.0\n")
    }

    func testErrorsNameWhatWasWrong() {
        for (args, message) in [
            (["create", "--frob", "c1"], "create: unknown option --frob"),
            (["create", "c1", "--bundle"], "create: --bundle needs a value"),
            (["create", "--bundle", "/b"], "create: missing container id"),
            (["start"], "start: missing container id"),
            (["create", "--preserve-fds", "abc", "c1"], "create: --preserve-fds: invalid value \"abc\", want an integer from -2147483648 to 2147483647"),
            (["update", "--memory", "lots", "c1"], "update: --memory: invalid value \"lots\", want an integer from -9223372036854775808 to 9223372036854775807"),
            (["kill", "c1", "SIGFLY"], "kill: unknown signal \"SIGFLY\""),
            (["frobnicate", "c1"], "unknown runtime command \"frobnicate\" (see berth runtime --help)"),
            (["state", "nonexist"], "container \"nonexist\" does not exist"),
        ] {
            let r = h.berth(args)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertTrue(r.stderr.contains("berth runtime: \(message)\n"), "\(args): \(r.stderr)")
        }
        let bad = TestBundle.run(TestBundle.berth, ["runtime", "--frob", "state", "c1"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "berth runtime: unknown option --frob\n")
    }

    /// containerd reads the last error back from runc's JSON --log.
    func testErrorsReachTheJSONLog() throws {
        let log = h.root + ".log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = TestBundle.run(TestBundle.berth, ["runtime", "--root", h.root, "--log", log, "--log-format", "json", "delete", "--frob", "c1"])
        XCTAssertEqual(r.status, 1)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\"level\":\"error\",\"msg\":\"delete: unknown option --frob\",\"time\":"), text)
    }

    /// runc's forms (`-name value`, `--name=value`, repeated options) and
    /// exec's command after the container id, on a real container.
    func testOptionFormsOnARealContainer() throws {
        try requireRoot()
        let b = try TestBundle(args: ["/bin/sleep", "30"])
        b.spec.process?.env = ["PATH=/bin"]
        try b.write()
        let id = "args-\(UUID().uuidString.prefix(6))"
        h.created.append(id)
        var r = h.berth(["run", "-bundle", b.dir, "-d", id])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = h.berth(["exec", "-e", "A=1", "--env=B=2", "-env", "C=3", "--user=1000:1000", "-g", "5", "--additional-gids", "20",
                     id, "/bin/sh", "-c", "echo $A$B$C $(id -u) $(id -G)", "--env", "ignored"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "123 1000 1000 5 20\n")
        r = h.berth(["exec", id, "/bin/echo", "--help", "-t"])
        XCTAssertEqual(r.stdout, "--help -t\n", "after the container id every word is the command's")
        XCTAssertEqual(h.berth(["delete", "--force=true", id]).status, 0)
    }
}
