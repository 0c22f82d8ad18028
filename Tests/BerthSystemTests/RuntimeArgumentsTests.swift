import XCTest
@testable import BerthSystem

/// `CommandSpec`, the parser of `berth runtime`'s (runc's) command line.
final class RuntimeArgumentsTests: XCTestCase {
    let containerID = CommandSpec.Positional("CONTAINER_ID", "container id")

    var create: CommandSpec {
        CommandSpec("berth runtime create", abstract: "Create a container.", options: [
            .init("bundle", short: "b", value: "DIR", default: ".", help: "The bundle directory."),
            .init("pid-file", value: "PATH", help: "Write the init's pid here."),
            .init(flag: "no-pivot", help: "chroot instead of pivot_root."),
            .init("preserve-fds", value: "N", default: "0", help: "Pass N more fds."),
        ], positionals: [containerID])
    }

    var exec: CommandSpec {
        CommandSpec("berth runtime exec", abstract: "Run a new process.", options: [
            .init("env", short: "e", value: "NAME=VALUE", help: "Add an environment variable (repeatable)."),
            .init("additional-gids", short: "g", value: "GID", help: "An additional group (repeatable)."),
            .init("cap", value: "CAP", help: "Add a capability (repeatable)."),
            .init(flag: "detach", short: "d", help: "Do not wait."),
            .init(flag: "tty", short: "t", help: "A terminal."),
        ], positionals: [containerID, .init("COMMAND", "command", .rest)])
    }

    var kill: CommandSpec {
        CommandSpec("berth runtime kill", abstract: "Send a signal.", options: [.init(flag: "all", short: "a", help: "Every process.")],
                    positionals: [containerID, .init("SIGNAL", "signal", .optional(defaultValue: "SIGTERM"))])
    }

    func parsed(_ spec: CommandSpec, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ParsedArguments {
        guard case .run(let a) = try spec.parse(arguments) else {
            XCTFail("\(arguments) asked for help", file: file, line: line)
            throw ArgumentError("help")
        }
        return a
    }

    func error(_ spec: CommandSpec, _ arguments: [String]) -> String? {
        do {
            _ = try spec.parse(arguments)
            return nil
        } catch {
            return error.message
        }
    }

    func testEveryFormOfAnOption() throws {
        for form in [["--bundle", "/b"], ["--bundle=/b"], ["-b", "/b"], ["-b=/b"], ["-bundle", "/b"], ["-bundle=/b"]] {
            let a = try parsed(create, form + ["c1"])
            XCTAssertEqual(a.value("bundle"), "/b", "\(form)")
            XCTAssertEqual(a.positionals, ["c1"], "\(form)")
        }
    }

    func testDefaultsAndFlags() throws {
        var a = try parsed(create, ["c1"])
        XCTAssertEqual(a.string("bundle"), ".")
        XCTAssertNil(a.value("pid-file"))
        XCTAssertFalse(a.flag("no-pivot"))
        XCTAssertEqual(try a.number("preserve-fds", as: Int32.self), 0)
        a = try parsed(create, ["--no-pivot", "c1", "--preserve-fds", "2"])
        XCTAssertTrue(a.flag("no-pivot"))
        XCTAssertEqual(try a.number("preserve-fds", as: Int32.self), 2)
        XCTAssertTrue(try parsed(create, ["-no-pivot=true", "c1"]).flag("no-pivot"))
        XCTAssertFalse(try parsed(create, ["--no-pivot", "--no-pivot=false", "c1"]).flag("no-pivot"))
    }

    func testOptionsBetweenPositionals() throws {
        let a = try parsed(kill, ["c1", "--all", "KILL"])
        XCTAssertEqual(a.positionals, ["c1", "KILL"])
        XCTAssertTrue(a.flag("all"))
        XCTAssertEqual(try parsed(kill, ["c1"]).positionals, ["c1", "SIGTERM"], "a left-out optional positional is its default")
        XCTAssertEqual(try parsed(create, ["--pid-file", "/p", "c1", "-b", "/b"]).value("bundle"), "/b")
    }

    func testRepeatedOptionsKeepEveryValue() throws {
        let a = try parsed(exec, ["-e", "A=1", "--env", "B=2", "--env=C=3", "-g", "5", "--additional-gids=20", "--cap", "CAP_KILL", "c1", "true"])
        XCTAssertEqual(a.values("env"), ["A=1", "B=2", "C=3"])
        XCTAssertEqual(try a.numbers("additional-gids", as: UInt32.self), [5, 20])
        XCTAssertEqual(a.values("cap"), ["CAP_KILL"])
        XCTAssertEqual(a.value("env"), "C=3", "value is the last one given")
        let none = try parsed(exec, ["c1", "true"])
        XCTAssertEqual(none.values("env"), [])
        XCTAssertEqual(try none.numbers("additional-gids", as: UInt32.self), [])
    }

    func testExecCommandIsEverythingAfterTheContainerID() throws {
        var a = try parsed(exec, ["--detach", "c1", "sh", "-c", "echo --env", "--tty"])
        XCTAssertEqual(a.positionals, ["c1"])
        XCTAssertEqual(a.rest, ["sh", "-c", "echo --env", "--tty"])
        XCTAssertTrue(a.flag("detach"))
        XCTAssertFalse(a.flag("tty"), "--tty after the id is the command's")
        a = try parsed(exec, ["-t", "--", "c1", "--help"])
        XCTAssertEqual(a.positionals, ["c1"])
        XCTAssertEqual(a.rest, ["--help"])
        XCTAssertEqual(try parsed(exec, ["c1"]).rest, [])
    }

    func testWithoutFixedPositionalsTheRestStartsAtTheFirstWord() throws {
        let top = CommandSpec("berth runtime", abstract: "An OCI runtime.", options: [
            .init("root", value: "DIR", default: "/run/berth/runtime", help: "State."),
            .init(flag: "debug", help: "Accepted."),
        ], positionals: [.init("COMMAND", "command", .rest)])
        let a = try parsed(top, ["--root", "/r", "--debug", "create", "--bundle", "/b", "c1"])
        XCTAssertEqual(a.value("root"), "/r")
        XCTAssertTrue(a.flag("debug"))
        XCTAssertEqual(a.rest, ["create", "--bundle", "/b", "c1"])
        XCTAssertEqual(try parsed(top, []).rest, [])
    }

    func testAValueMayLookLikeAnOption() throws {
        let spec = CommandSpec("berth runtime update", abstract: "Update.", options: [
            .init("memory-swap", value: "BYTES", help: "Swap."),
            .init("resources", short: "r", value: "FILE", help: "JSON."),
        ], positionals: [containerID])
        let a = try parsed(spec, ["--memory-swap", "-1", "-r", "-", "c1"])
        XCTAssertEqual(try a.number("memory-swap", as: Int64.self), -1)
        XCTAssertEqual(a.value("resources"), "-")
        XCTAssertEqual(try parsed(spec, ["-"]).positionals, ["-"], "a lone dash is a word")
    }

    func testErrorsNameWhatWasWrong() throws {
        XCTAssertEqual(error(create, ["--frob", "c1"]), "unknown option --frob")
        XCTAssertEqual(error(create, ["--frob=1", "c1"]), "unknown option --frob")
        XCTAssertEqual(error(create, ["-x", "c1"]), "unknown option -x")
        XCTAssertEqual(error(create, ["c1", "--bundle"]), "--bundle needs a value")
        XCTAssertEqual(error(create, ["-b"]), "--bundle needs a value")
        XCTAssertEqual(error(create, []), "missing container id")
        XCTAssertEqual(error(create, ["--bundle", "/b"]), "missing container id")
        XCTAssertEqual(error(create, ["c1", "c2"]), "unexpected argument \"c2\"")
        XCTAssertEqual(error(create, ["--", "c1", "c2"]), "unexpected argument \"c2\"")
        XCTAssertEqual(error(create, ["--no-pivot=yes", "c1"]), "--no-pivot is a flag and takes no value, not \"yes\"")
        XCTAssertEqual(error(exec, []), "missing container id")

        let a = try parsed(create, ["--preserve-fds", "abc", "c1"])
        XCTAssertThrowsError(try a.number("preserve-fds", as: Int32.self)) {
            XCTAssertEqual(($0 as? ArgumentError)?.message, "--preserve-fds: invalid value \"abc\", want an integer from -2147483648 to 2147483647")
        }
        let g = try parsed(exec, ["-g", "5", "-g", "-1", "c1"])
        XCTAssertThrowsError(try g.numbers("additional-gids", as: UInt32.self)) {
            XCTAssertEqual(($0 as? ArgumentError)?.message, "--additional-gids: invalid value \"-1\", want a whole number from 0 to 4294967295")
        }
    }

    func testHelpListsTheOptions() throws {
        for form in [["-h"], ["--help"], ["c1", "--help"], ["-help"]] {
            guard case .help = try create.parse(form) else { return XCTFail("\(form) is not a help request") }
        }
        guard case .run(let a) = try exec.parse(["c1", "ls", "--help"]) else { return XCTFail("--help after exec's id is the command's") }
        XCTAssertEqual(a.rest, ["ls", "--help"])

        let usage = create.usage()
        XCTAssertTrue(usage.hasPrefix("USAGE: berth runtime create [OPTIONS] CONTAINER_ID\n\nCreate a container.\n"), usage)
        for line in ["  -b, --bundle DIR      The bundle directory. (default: .)",
                     "      --pid-file PATH   Write the init's pid here.",
                     "      --no-pivot        chroot instead of pivot_root.",
                     "      --preserve-fds N  Pass N more fds. (default: 0)",
                     "  -h, --help            Show this help."] {
            XCTAssertTrue(usage.contains(line + "\n") || usage.hasSuffix(line), "missing \(line.debugDescription) in\n\(usage)")
        }
        XCTAssertTrue(exec.usage().hasPrefix("USAGE: berth runtime exec [OPTIONS] CONTAINER_ID [COMMAND ...]"), exec.usage())
        XCTAssertTrue(kill.usage().hasPrefix("USAGE: berth runtime kill [OPTIONS] CONTAINER_ID [SIGNAL]"), kill.usage())

        let top = CommandSpec("berth runtime", abstract: "An OCI runtime.", options: [.init(flag: "debug", help: "Accepted.")],
                              positionals: [.init("COMMAND", "command", .rest)],
                              commands: [("create", "Create a container."), ("start", "Start it.")])
        let topUsage = top.usage()
        XCTAssertTrue(topUsage.contains("\nCOMMANDS:\n  create  Create a container.\n  start   Start it.\n"), topUsage)
        XCTAssertEqual(create.name, "create")
    }
}
