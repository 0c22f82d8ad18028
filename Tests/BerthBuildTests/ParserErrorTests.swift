import XCTest
@testable import BerthBuild
@testable import BerthSystem

/// Every refusal names the file and the line of the offending instruction,
/// with docker's wording.
final class ParserErrorTests: XCTestCase {
    static let cases: [(String, String)] = [
        ("FROM x\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUNN f\n", "Dockerfile:7: unknown instruction: RUNN"),
        ("FROM x\nRUN a\nFROM a b\n", "Dockerfile:3: FROM requires either one or three arguments"),
        ("FROM x AS 1st\n", "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols"),
        ("FROM x\nCOPY --fromm=a b c\n", "Dockerfile:2: unknown flag: fromm"),
        ("FROM x\nADD --from=a b c\n", "Dockerfile:2: unknown flag: from"),
        ("FROM x\nRUN --chown=1 a\n", "Dockerfile:2: unknown flag: chown"),
        ("FROM x\nCOPY --chown a b\n", "Dockerfile:2: Missing a value on flag: chown"),
        ("FROM x\nCOPY --link=maybe a b\n", "Dockerfile:2: Expecting boolean value for flag link, not: maybe"),
        ("FROM x\nCOPY --from=a --from=b a b\n", "Dockerfile:2: Duplicate flag specified: from"),
        ("FROM x\nCOPY onlyone\n", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined."),
        ("FROM x\nENV\n", "Dockerfile:2: ENV requires at least one argument"),
        ("FROM x\nENV A\n", "Dockerfile:2: ENV must have two arguments"),
        ("FROM x\nENV A=1 B\n", "Dockerfile:2: Syntax error - can't find = in \"B\". Must be of the form: name=value"),
        ("FROM x\nLABEL =v\n", "Dockerfile:2: LABEL names can not be blank"),
        ("FROM x\nARG\n", "Dockerfile:2: ARG requires at least one argument"),
        ("FROM x\nARG =1\n", "Dockerfile:2: ARG names can not be blank"),
        ("FROM x\nWORKDIR\n", "Dockerfile:2: WORKDIR requires exactly one argument"),
        ("FROM x\nUSER\n", "Dockerfile:2: USER requires exactly one argument"),
        ("FROM x\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument"),
        ("FROM x\nVOLUME\n", "Dockerfile:2: VOLUME requires at least one argument"),
        ("FROM x\nSHELL /bin/sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form"),
        ("FROM x\nHEALTHCHECK NONE x\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"),
        ("FROM x\nHEALTHCHECK CMD\n", "Dockerfile:2: Missing command after HEALTHCHECK CMD"),
        ("FROM x\nHEALTHCHECK RUN x\n", "Dockerfile:2: Unknown type \"RUN\" in HEALTHCHECK (try CMD)"),
        ("FROM x\nHEALTHCHECK --interval=0.5ms CMD x\n", "Dockerfile:2: Interval \"interval\" cannot be less than 1ms"),
        ("FROM x\nHEALTHCHECK --retries=0 CMD x\n", "Dockerfile:2: --retries must be at least 1 (not 0)"),
        ("FROM x\nHEALTHCHECK --timeout=5 CMD x\n", "Dockerfile:2: time: missing unit in duration \"5\""),
        ("FROM x\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("FROM x\nONBUILD FROM y\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"),
        ("FROM x\nONBUILD MAINTAINER y\n", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"),
        ("FROM x\nONBUILD RUNN y\n", "Dockerfile:2: unknown instruction: RUNN"),
        ("RUN x\n", "Dockerfile:1: no build stage in current context"),
        ("# only a comment\n", "Dockerfile:1: file with no instructions"),
        ("# escape=x\nFROM y\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"),
        ("# escape=\\\n# escape=`\nFROM y\n", "Dockerfile:2: only one escape parser directive can be used"),
        ("FROM x\nRUN <<EOF\necho never ends\n", "Dockerfile:2: unterminated heredoc"),
        ("FROM x\nCOPY a <<EOF\nEOF\n", "Dockerfile:2: COPY cannot accept a heredoc as a destination"),
        ("FROM x\n\nRUN a \\\n  b\nFROM a b c d\n", "Dockerfile:5: FROM requires either one or three arguments"),
    ]

    func testErrorsNameFileLineAndProblem() {
        for (text, expected) in Self.cases {
            XCTAssertThrowsError(try Dockerfile.parse(text), "\(text.debugDescription) must fail") { error in
                XCTAssertEqual((error as? BerthError)?.message, expected, text.debugDescription)
                XCTAssertEqual((error as? BerthError)?.code, .invalidArgument)
            }
        }
    }

    func testFileNameIsUsedInErrors() {
        XCTAssertThrowsError(try Dockerfile.parse("FROM x\nRUNN\n", filename: "build/Containerfile")) { error in
            XCTAssertEqual((error as? BerthError)?.message, "build/Containerfile:2: unknown instruction: RUNN")
        }
    }
}
