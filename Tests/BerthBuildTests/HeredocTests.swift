import XCTest
@testable import BerthBuild
@testable import BerthSystem

/// Heredocs as buildkit's parser_heredoc_test.go exercises them.
final class HeredocTests: XCTestCase {
    func testRunHeredocBody() throws {
        let file = try Dockerfile.parse("""
            FROM busybox
            RUN <<EOF
            echo hello
            echo $HOME
            EOF
            RUN echo after
            """)
        let run = file.stages[0].instructions[0]
        guard case .run(let r) = run.kind else { return XCTFail() }
        XCTAssertEqual(r.command.arguments, ["<<EOF"])
        XCTAssertEqual(r.heredocs, [Heredoc(name: "EOF", fileDescriptor: 0, expand: true, chomp: false,
                                            content: "echo hello\necho $HOME\n")])
        XCTAssertEqual(run.line, 2)
        XCTAssertEqual(run.endLine, 5)
        XCTAssertEqual(file.stages[0].instructions[1].line, 6)
    }

    func testSeveralHeredocsOnOneLineWithFileDescriptors() throws {
        let file = try Dockerfile.parse("""
            FROM busybox
            RUN 3<<IN1 4<<-"IN2" cat /proc/self/fd/3 /proc/self/fd/4
            first
            IN1
            \t\tsecond
            \tIN2
            """)
        guard case .run(let r) = file.stages[0].instructions[0].kind else { return XCTFail() }
        XCTAssertEqual(r.heredocs.map(\.name), ["IN1", "IN2"])
        XCTAssertEqual(r.heredocs.map(\.fileDescriptor), [3, 4])
        XCTAssertEqual(r.heredocs.map(\.expand), [true, false], "a quoted delimiter is not expanded")
        XCTAssertEqual(r.heredocs.map(\.chomp), [false, true])
        XCTAssertEqual(r.heredocs[1].effectiveContent, "second\n", "<<- strips leading tabs")
    }

    func testCopyHeredocSources() throws {
        let file = try Dockerfile.parse("""
            FROM busybox
            COPY <<one <<'two' /dest/
            $A one
            one
            $A two
            two
            """)
        guard case .copy(let copy) = file.stages[0].instructions[0].kind else { return XCTFail() }
        XCTAssertEqual(copy.sources, [])
        XCTAssertEqual(copy.inlineSources.map(\.name), ["one", "two"])
        XCTAssertEqual(copy.inlineSources.map(\.content), ["$A one\n", "$A two\n"])
        XCTAssertEqual(copy.inlineSources.map(\.expand), [true, false])
        XCTAssertEqual(copy.destination, "/dest/")
    }

    func testExecFormAndOtherInstructionsHaveNoHeredocs() throws {
        let file = try Dockerfile.parse("FROM x\nRUN [\"cat\", \"<<EOF\"]\nLABEL a=<<EOF\n")
        XCTAssertEqual(file.stages[0].instructions.count, 2)
    }

    func testHeredocUnderOnbuild() throws {
        let file = try Dockerfile.parse("FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\n")
        guard case .onbuild(let onbuild) = file.stages[0].instructions[0].kind,
              case .run(let run) = onbuild.trigger.kind else { return XCTFail() }
        XCTAssertEqual(run.heredocs.first?.content, "echo hi\n")
        XCTAssertEqual(onbuild.expression, "RUN <<EOF\necho hi\nEOF")
    }
}

extension HeredocTests {
    func program(_ text: String) throws -> Run.Program {
        guard case .run(let run) = try Dockerfile.parse(text).stages[0].instructions[0].kind else {
            throw BerthError.internalError("not RUN")
        }
        return run.program
    }

    func testRunProgramFromHeredocs() throws {
        XCTAssertEqual(try program("FROM x\nRUN <<EOF\necho a\necho b\nEOF\n"),
                       .command(CommandForm(arguments: ["echo a\necho b\n"], prependShell: true)))
        XCTAssertEqual(try program("FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"),
                       .script("#!/usr/bin/env python3\nprint(1)\n"))
        XCTAssertEqual(try program("FROM x\nRUN cat <<EOF > /f\nhi\nEOF\n"),
                       .command(CommandForm(arguments: ["cat <<EOF > /f\nhi\nEOF"], prependShell: true)))
        XCTAssertEqual(try program("FROM x\nRUN echo plain\n"),
                       .command(CommandForm(arguments: ["echo plain"], prependShell: true)))
    }
}
