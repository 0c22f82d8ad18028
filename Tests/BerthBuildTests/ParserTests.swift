import XCTest
@testable import BerthBuild
@testable import BerthSystem

final class ParserTests: XCTestCase {
    func parse(_ text: String) throws -> Dockerfile { try Dockerfile.parse(text) }

    func kinds(_ text: String) throws -> [Instruction.Kind] {
        try parse(text).stages.flatMap { $0.instructions.map(\.kind) }
    }

    func testEveryInstructionIsTyped() throws {
        let file = try parse("""
            # syntax=docker/dockerfile:1
            ARG BASE=alpine
            FROM --platform=linux/arm64 ${BASE}:3.19 AS Build
            RUN --mount=type=cache,target=/root/.cache --network=none apk add gcc
            RUN ["echo", "exec form"]
            CMD ["/bin/app", "-v"]
            ENTRYPOINT /bin/sh -c 'echo hi'
            ENV A=1 B="two words"
            ENV OLD form with spaces
            ARG X Y=2 Z=
            LABEL org.opencontainers.image.title="berth" version=1
            EXPOSE 80 443/udp
            VOLUME ["/data", "/logs"]
            VOLUME /a /b
            USER 1000:1000
            WORKDIR /src
            COPY --from=deps --chown=1:2 --chmod=0755 --link a.txt b/ /dest/
            ADD --checksum=sha256:abc --keep-git-dir=true https://example.com/x.tgz /x/
            STOPSIGNAL SIGTERM
            HEALTHCHECK --interval=30s --timeout=1m30s --start-period=5s --retries=3 CMD curl -f http://localhost/
            SHELL ["/bin/bash", "-c"]
            ONBUILD RUN echo triggered
            MAINTAINER Jane <jane@example.com>
            """)
        XCTAssertEqual(file.syntax, "docker/dockerfile:1")
        XCTAssertEqual(file.metaArgs.first?.kind, .arg([ArgDeclaration(name: "BASE", defaultValue: "alpine")]))
        let stage = try XCTUnwrap(file.stages.first)
        XCTAssertEqual(stage.name, "build")
        XCTAssertEqual(stage.baseName, "${BASE}:3.19")
        XCTAssertEqual(stage.platform, "linux/arm64")
        XCTAssertEqual(stage.line, 3)
        let k = stage.instructions.map(\.kind)
        XCTAssertEqual(k[0], .run(Run(command: CommandForm(arguments: ["apk add gcc"], prependShell: true), heredocs: [],
                                      mounts: ["type=cache,target=/root/.cache"], network: "none", security: nil)))
        XCTAssertEqual(k[1], .run(Run(command: CommandForm(arguments: ["echo", "exec form"], prependShell: false),
                                      heredocs: [], mounts: [], network: nil, security: nil)))
        XCTAssertEqual(k[2], .cmd(CommandForm(arguments: ["/bin/app", "-v"], prependShell: false)))
        XCTAssertEqual(k[3], .entrypoint(CommandForm(arguments: ["/bin/sh -c 'echo hi'"], prependShell: true)))
        XCTAssertEqual(k[4], .env([KeyValue(key: "A", value: "1"), KeyValue(key: "B", value: "\"two words\"")]))
        XCTAssertEqual(k[5], .env([KeyValue(key: "OLD", value: "form with spaces")]))
        XCTAssertEqual(k[6], .arg([ArgDeclaration(name: "X", defaultValue: nil), ArgDeclaration(name: "Y", defaultValue: "2"),
                                   ArgDeclaration(name: "Z", defaultValue: "")]))
        XCTAssertEqual(k[7], .label([KeyValue(key: "org.opencontainers.image.title", value: "\"berth\""),
                                     KeyValue(key: "version", value: "1")]))
        XCTAssertEqual(k[8], .expose(["80", "443/udp"]))
        XCTAssertEqual(k[9], .volume(["/data", "/logs"]))
        XCTAssertEqual(k[10], .volume(["/a", "/b"]))
        XCTAssertEqual(k[11], .user("1000:1000"))
        XCTAssertEqual(k[12], .workdir("/src"))
        guard case .copy(let copy) = k[13] else { return XCTFail("COPY expected, got \(k[13])") }
        XCTAssertEqual(copy.sources, ["a.txt", "b/"])
        XCTAssertEqual(copy.destination, "/dest/")
        XCTAssertEqual(copy.from, "deps")
        XCTAssertEqual(copy.chown, "1:2")
        XCTAssertEqual(copy.chmod, "0755")
        XCTAssertTrue(copy.link)
        guard case .add(let add) = k[14] else { return XCTFail("ADD expected") }
        XCTAssertEqual(add.sources, ["https://example.com/x.tgz"])
        XCTAssertEqual(add.checksum, "sha256:abc")
        XCTAssertTrue(add.keepGitDir)
        XCTAssertEqual(k[15], .stopSignal("SIGTERM"))
        XCTAssertEqual(k[16], .healthcheck(Healthcheck(test: ["CMD-SHELL", "curl -f http://localhost/"],
                                                       interval: 30_000_000_000, timeout: 90_000_000_000,
                                                       startPeriod: 5_000_000_000, startInterval: nil, retries: 3)))
        XCTAssertEqual(k[17], .shell(["/bin/bash", "-c"]))
        guard case .onbuild(let onbuild) = k[18] else { return XCTFail("ONBUILD expected") }
        XCTAssertEqual(onbuild.expression, "RUN echo triggered")
        XCTAssertEqual(onbuild.trigger.name, "RUN")
        XCTAssertEqual(k[19], .maintainer("Jane <jane@example.com>"))
        XCTAssertEqual(stage.instructions[13].line, 17)
    }

    func testFromVariantsAndScratch() throws {
        let file = try parse("FROM scratch\nFROM busybox as B2\nfrom b2\n")
        XCTAssertEqual(file.stages.map(\.baseName), ["scratch", "busybox", "b2"])
        XCTAssertEqual(file.stages.map(\.name), [nil, "b2", nil])
        XCTAssertEqual(file.stages.map(\.index), [0, 1, 2])
    }

    func testHealthcheckNoneAndExecForm() throws {
        let k = try kinds("FROM x\nHEALTHCHECK NONE\nHEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n")
        XCTAssertEqual(k[0], .healthcheck(Healthcheck(test: ["NONE"])))
        XCTAssertEqual(k[1], .healthcheck(Healthcheck(test: ["CMD", "/bin/check", "-q"])))
    }

    func testContinuationLinesCommentsAndEmptyLinesInside() throws {
        let file = try parse("""
            FROM x
            RUN apt-get update && \\
            # a comment inside the continuation
                apt-get install -y \\

                curl
            RUN echo done
            """)
        let run = file.stages[0].instructions[0]
        XCTAssertEqual(run.kind, .run(Run(command: CommandForm(arguments: ["apt-get update &&     apt-get install -y     curl"],
                                                                prependShell: true),
                                          heredocs: [], mounts: [], network: nil, security: nil)))
        XCTAssertEqual(run.line, 2)
        XCTAssertEqual(run.endLine, 6)
        XCTAssertEqual(file.stages[0].instructions[1].line, 7)
        XCTAssertEqual(file.warnings.count, 1, "the empty continuation line is warned about")
    }

    func testEscapedEscapeAtEndOfLineDoesNotContinue() throws {
        let k = try kinds("FROM x\nRUN echo a\\\\\nRUN echo b\n")
        XCTAssertEqual(k.count, 2)
    }

    func testBacktickEscapeDirective() throws {
        let file = try parse("""
            # escape=`
            FROM mcr.microsoft.com/windows
            COPY testfile.txt c:\\
            RUN dir c:\\ `
                /w
            """)
        XCTAssertEqual(file.escapeToken, "`")
        let k = file.stages[0].instructions.map(\.kind)
        guard case .copy(let copy) = k[0] else { return XCTFail() }
        XCTAssertEqual(copy.destination, "c:\\", "a backslash is an ordinary character under escape=`")
        XCTAssertEqual(k[1], .run(Run(command: CommandForm(arguments: ["dir c:\\     /w"], prependShell: true),
                                      heredocs: [], mounts: [], network: nil, security: nil)))
    }

    func testDirectivesOnlyCountAtTheTop() throws {
        // After an instruction, "# escape=`" is a comment: backslash still continues lines.
        let file = try parse("FROM x\n# escape=`\nRUN a \\\n  b\n")
        XCTAssertEqual(file.escapeToken, "\\")
        XCTAssertEqual(file.stages[0].instructions.count, 1)
        // After an ordinary comment, too.
        XCTAssertEqual(try parse("# hello\n# escape=`\nFROM x\n").escapeToken, "\\")
        // An unknown directive-looking comment ends the directive block.
        XCTAssertEqual(try parse("# foo=bar\n# escape=`\nFROM x\n").escapeToken, "\\")
        // check= is accepted and ignored.
        XCTAssertEqual(try parse("# check=skip=all\n# escape=`\nFROM x\n").escapeToken, "`")
    }

    func testArgBeforeFromIsMeta() throws {
        let file = try parse("ARG A=1\nARG B\nFROM x\nARG A\n")
        XCTAssertEqual(file.metaArgs.count, 2)
        XCTAssertEqual(file.stages[0].instructions.map(\.kind), [.arg([ArgDeclaration(name: "A", defaultValue: nil)])])
    }

    func testKeywordsAreCaseInsensitive() throws {
        let k = try kinds("from x\nrun echo\nCoPy a b\n")
        XCTAssertEqual(k.count, 2)
    }

    func testJSONWithNonStringsIsRefusedAndBrokenJSONIsShellForm() throws {
        XCTAssertThrowsError(try parse("FROM x\nCMD [\"a\", 1]\n")) { error in
            XCTAssertEqual((error as? BerthError)?.message,
                           "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only")
        }
        let k = try kinds("FROM x\nCMD [\"a\", \n")
        XCTAssertEqual(k[0], .cmd(CommandForm(arguments: ["[\"a\","], prependShell: true)))
    }

    func testFlagsEndAtFirstNonFlagAndDoubleDash() throws {
        let k = try kinds("FROM x\nCOPY --chown=a -- --weird-name /d/\n")
        guard case .copy(let copy) = k[0] else { return XCTFail() }
        XCTAssertEqual(copy.chown, "a")
        XCTAssertEqual(copy.sources, ["--weird-name"])
    }

    func testCopyJSONFormKeepsSpaces() throws {
        let k = try kinds("FROM x\nCOPY [\"my file.txt\", \"/dest dir/\"]\n")
        guard case .copy(let copy) = k[0] else { return XCTFail() }
        XCTAssertEqual(copy.sources, ["my file.txt"])
        XCTAssertEqual(copy.destination, "/dest dir/")
    }

    func testBOMAndCRLFAreAccepted() throws {
        let k = try kinds("\u{FEFF}FROM x\r\nRUN echo hi\r\n")
        XCTAssertEqual(k, [.run(Run(command: CommandForm(arguments: ["echo hi"], prependShell: true), heredocs: [],
                                    mounts: [], network: nil, security: nil))])
    }
}
