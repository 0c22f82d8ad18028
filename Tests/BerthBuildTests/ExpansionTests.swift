import XCTest
@testable import BerthBuild
@testable import BerthSystem

/// Which instructions docker expands, and ARG/ENV scoping.
final class ExpansionTests: XCTestCase {
    func steps(_ text: String, args: [String: String] = [:], base: StageState = StageState()) throws -> [ExpandedStep] {
        let plan = try BuildPlan(dockerfile: try Dockerfile.parse(text), options: BuildOptions(buildArgs: args))
        return try plan.expander.expand(try XCTUnwrap(plan.stage(plan.target)).stage, base: base).steps
    }

    func testExpandedAndUnexpandedInstructions() throws {
        let s = try steps("""
            FROM alpine
            ENV NAME=berth DIR=/srv PORT=8080
            LABEL app=$NAME "with space"="${NAME} x"
            WORKDIR $DIR/app
            USER ${NAME}:${NAME}
            EXPOSE $PORT ${PORT}/udp 9000-9001
            VOLUME $DIR/data /logs
            STOPSIGNAL SIG${NAME:+TERM}
            RUN echo $NAME
            CMD echo $NAME
            ENTRYPOINT ["echo", "$NAME"]
            HEALTHCHECK CMD check $NAME
            SHELL ["/bin/sh", "-c", "$NAME"]
            ONBUILD RUN echo $NAME
            """)
        XCTAssertEqual(s[1].instruction.kind, .label([KeyValue(key: "app", value: "berth"),
                                                      KeyValue(key: "with space", value: "berth x")]))
        XCTAssertEqual(s[2].instruction.kind, .workdir("/srv/app"))
        XCTAssertEqual(s[3].instruction.kind, .user("berth:berth"))
        XCTAssertEqual(s[4].instruction.kind, .expose(["8080/tcp", "8080/udp", "9000/tcp", "9001/tcp"]))
        XCTAssertEqual(s[5].instruction.kind, .volume(["/srv/data", "/logs"]))
        XCTAssertEqual(s[6].instruction.kind, .stopSignal("SIGTERM"))
        XCTAssertEqual(s[7].instruction.kind, .run(Run(command: CommandForm(arguments: ["echo $NAME"], prependShell: true),
                                                       heredocs: [], mounts: [], network: nil, security: nil)))
        XCTAssertEqual(s[8].instruction.kind, .cmd(CommandForm(arguments: ["echo $NAME"], prependShell: true)))
        XCTAssertEqual(s[9].instruction.kind, .entrypoint(CommandForm(arguments: ["echo", "$NAME"], prependShell: false)))
        XCTAssertEqual(s[10].instruction.kind, .healthcheck(Healthcheck(test: ["CMD-SHELL", "check $NAME"])))
        XCTAssertEqual(s[11].instruction.kind, .shell(["/bin/sh", "-c", "$NAME"]))
        guard case .onbuild(let onbuild) = s[12].instruction.kind else { return XCTFail() }
        XCTAssertEqual(onbuild.expression, "RUN echo $NAME")
    }

    func testEnvOnOneLineSeesTheValuesFromBeforeTheLine() throws {
        let s = try steps("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\nRUN x\n")
        XCTAssertEqual(s[3].state.env, [KeyValue(key: "abc", value: "bye"), KeyValue(key: "def", value: "hello"),
                                        KeyValue(key: "ghi", value: "bye")])
    }

    func testOldEnvFormKeepsSpacesAndQuotesAreRemoved() throws {
        let s = try steps("FROM a\nENV A one two  three\nENV B=\"x y\" C='$A'\nRUN x\n")
        XCTAssertEqual(s[2].state.env, [KeyValue(key: "A", value: "one two  three"), KeyValue(key: "B", value: "x y"),
                                        KeyValue(key: "C", value: "$A")])
    }

    func testArgScoping() throws {
        let s = try steps("""
            ARG GLOBAL=g
            ARG OVERRIDDEN=default
            FROM a
            RUN before $GLOBAL
            ARG GLOBAL
            ARG LOCAL=l-$GLOBAL
            ARG OVERRIDDEN
            ARG UNSET
            RUN after
            ENV LOCAL=from-env
            RUN last
            """, args: ["OVERRIDDEN": "cli", "HTTP_PROXY": "http://proxy:3128"])
        XCTAssertEqual(s[0].state.runEnvironment, ["HTTP_PROXY=http://proxy:3128"],
                       "a global ARG is not in scope until redeclared; proxy args need no declaration")
        XCTAssertEqual(s[5].state.runEnvironment,
                       ["GLOBAL=g", "LOCAL=l-g", "OVERRIDDEN=cli", "HTTP_PROXY=http://proxy:3128"])
        XCTAssertEqual(s[5].usedArgs, [KeyValue(key: "GLOBAL", value: "g"), KeyValue(key: "LOCAL", value: "l-g"),
                                       KeyValue(key: "OVERRIDDEN", value: "cli")],
                       "RUN's cache key covers every ARG in scope, not the proxy args")
        XCTAssertEqual(s[7].state.runEnvironment,
                       ["LOCAL=from-env", "GLOBAL=g", "OVERRIDDEN=cli", "HTTP_PROXY=http://proxy:3128"],
                       "ENV wins over an ARG of the same name")
        XCTAssertNil(s[7].state.lookup("UNSET"))
    }

    func testProxyArgsAreNotExpandedUnlessDeclared() throws {
        let s = try steps("FROM a\nLABEL p=${HTTP_PROXY:-none}\nARG HTTP_PROXY\nLABEL q=$HTTP_PROXY\n",
                          args: ["HTTP_PROXY": "http://p"])
        XCTAssertEqual(s[0].instruction.kind, .label([KeyValue(key: "p", value: "none")]))
        XCTAssertEqual(s[2].instruction.kind, .label([KeyValue(key: "q", value: "http://p")]))
    }

    func testBaseImageEnvIsVisibleAndWorkdirIsRelativeToIt() throws {
        let base = StageState(env: ["GOPATH=/go", "PATH=/usr/bin"], workdir: "/go", user: "nobody")
        let s = try steps("FROM golang\nWORKDIR src/$GOPATH\nCOPY a.txt .\n", base: base)
        XCTAssertEqual(s[0].instruction.kind, .workdir("/go/src/go"))
        XCTAssertEqual(s[1].state.workdir, "/go/src/go")
        XCTAssertEqual(s[1].state.user, "nobody")
    }

    func testCopyFlagsAndHeredocsExpand() throws {
        let s = try steps("""
            FROM a
            ARG OWNER=1000 STAGE=builder MODE=0640
            COPY --from=$STAGE --chown=${OWNER}:${OWNER} --chmod=$MODE <<EOF /x/
            owner is "$OWNER"
            EOF
            """)
        guard case .copy(let copy) = s[1].instruction.kind else { return XCTFail() }
        XCTAssertEqual(copy.from, "builder")
        XCTAssertEqual(copy.chown, "1000:1000")
        XCTAssertEqual(copy.chmod, "0640")
        XCTAssertEqual(copy.inlineSources.first?.content, "owner is \"1000\"\n", "quotes stay in heredoc bodies")
        XCTAssertEqual(Set(s[1].usedArgs.map(\.key)), ["OWNER", "STAGE", "MODE"])
    }

    func testExpansionErrorsNameTheLine() {
        XCTAssertThrowsError(try steps("FROM a\nRUN x\nWORKDIR ${DIR:?must be set}\n")) { error in
            XCTAssertEqual((error as? BerthError)?.message,
                           #"Dockerfile:3: failed to process "${DIR:?must be set}": DIR: must be set"#)
        }
        XCTAssertThrowsError(try steps("FROM a\nEXPOSE 80/foo\n")) { error in
            XCTAssertEqual((error as? BerthError)?.message, "Dockerfile:2: invalid proto: foo")
        }
    }

    func testEscapeDirectiveAppliesToExpansion() throws {
        let s = try steps("# escape=`\nFROM a\nENV A=x\nLABEL l=`$A w=c:\\$A\n")
        XCTAssertEqual(s[1].instruction.kind, .label([KeyValue(key: "l", value: "$A"), KeyValue(key: "w", value: "c:\\x")]))
    }
}
