import XCTest
@testable import BerthBuild
@testable import BerthSystem

/// Expansion cases in the style of buildkit's shell/envVarTest table
/// (`input | expected`, "error" when the lexer must refuse the word).
final class ShellLexerTests: XCTestCase {
    let env = ["PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""]

    static let table: [(String, String)] = [
        (#"hello"#, #"hello"#),
        (#"he'll'o"#, #"hello"#),
        (#"he'llo"#, "error"),
        (#"he\'llo"#, #"he'llo"#),
        (#"he\\'llo"#, "error"),
        (#"abc\tdef"#, #"abctdef"#),
        (#""abc\tdef""#, #"abc\tdef"#),
        (#""abc\\tdef""#, #"abc\tdef"#),
        (#"'abc\tdef'"#, #"abc\tdef"#),
        (#"hello\"#, #"hello"#),
        (#"hello\\"#, #"hello\"#),
        (#""hello"#, "error"),
        (#""hello\""#, "error"),
        (#""hel'lo""#, #"hel'lo"#),
        (#"'hello"#, "error"),
        (#"'hello\'"#, #"hello\"#),
        (#"'hello\there'"#, #"hello\there"#),
        (#""''""#, #"''"#),
        (#"$."#, #"$."#),
        (#"he$1x"#, #"hex"#),
        (#"he$.x"#, #"he$.x"#),
        (#"he$pwd."#, #"he."#),
        (#"he$PWD"#, #"he/home"#),
        (#"he\$PWD"#, #"he$PWD"#),
        (#"he\\$PWD"#, #"he\/home"#),
        (#""he\$PWD""#, #"he$PWD"#),
        (#""he\\$PWD""#, #"he\/home"#),
        (#"\${}"#, #"${}"#),
        (#"he\${}xx"#, #"he${}xx"#),
        (#"${}"#, "error"),
        (#"he${}xx"#, "error"),
        (#"he${hi}"#, #"he"#),
        (#"he${hi}xx"#, #"hexx"#),
        (#"he${PWD}"#, #"he/home"#),
        (#"he${.}"#, "error"),
        (#"he${XXX:-000}xx"#, #"he000xx"#),
        (#"he${PWD:-000}xx"#, #"he/homexx"#),
        (#"he${XXX:-$PWD}xx"#, #"he/homexx"#),
        (#"he${XXX:-${PWD:-yyy}}xx"#, #"he/homexx"#),
        (#"he${XXX:-${YYY:-yyy}}xx"#, #"heyyyxx"#),
        (#"he${XXX:YYY}"#, "error"),
        (#"he${NULL:-000}xx"#, #"he000xx"#),
        (#"he${NULL-000}xx"#, #"hexx"#),
        (#"he${XXX-000}xx"#, #"he000xx"#),
        (#"he${XXX?}"#, "error"),
        (#"he${XXX:?}"#, "error"),
        (#"he${PWD?}"#, #"he/home"#),
        (#"he${PWD:?}"#, #"he/home"#),
        (#"he${NULL?}"#, #"he"#),
        (#"he${NULL:?}"#, "error"),
        (#"he${XXX:+${PWD}}xx"#, #"hexx"#),
        (#"he${PWD:+${XXX}}xx"#, #"hexx"#),
        (#"he${PWD:+${SHELL}}xx"#, #"hebashxx"#),
        (#"he${XXX:+000}xx"#, #"hexx"#),
        (#"he${PWD:+000}xx"#, #"he000xx"#),
        (#"he${NULL:+000}xx"#, #"hexx"#),
        (#"he${NULL+000}xx"#, #"he000xx"#),
        (#"'he${XX}'"#, #"he${XX}"#),
        (#""he${PWD}""#, #"he/home"#),
        (#""he'$PWD'""#, #"he'/home'"#),
        (#""$PWD""#, #"/home"#),
        (#"'$PWD'"#, #"$PWD"#),
        (#"'\$PWD'"#, #"\$PWD"#),
        (#"'"hello"'"#, #""hello""#),
        (#"he${PWD"#, "error"),
        (#"he${PWD=000}xx"#, "error"),
        (#"he${PWD+${PWD}}xx"#, #"he/homexx"#),
        (#"he${PWD+}xx"#, #"hexx"#),
        (#"안녕$KOREAN"#, #"안녕한국어"#),
        (#"안${KOREAN}녕"#, #"안한국어녕"#),
        (#"안$KOREAN녕"#, #"안"#),  // Hangul letters continue a name, as unicode.IsLetter does
        (#"${PWD#/}"#, #"home"#),
        (#"${PWD#*o}"#, #"me"#),
        (#"${PWD##*o}"#, #"me"#),
        (#"${SHELL%h}"#, #"bas"#),
        (#"${SHELL%%[a]*}"#, #"bash"#),
        (#"${SHELL%a*}"#, #"b"#),
        (#"${SHELL/a/A}"#, #"bAsh"#),
        (#"${PWD//o/0}"#, #"/h0me"#),
        (#"${SHELL:#b}"#, "error"),
        (#"$@ $* $#"#, "  "),
    ]

    func testEnvVarTable() throws {
        let lexer = ShellLexer()
        for (input, expected) in Self.table {
            if expected == "error" {
                XCTAssertThrowsError(try lexer.processWord(input, env: env), "input \(input) must be refused")
            } else {
                XCTAssertEqual(try lexer.processWord(input, env: env), expected, "input \(input)")
            }
        }
    }

    func testWordSplittingHappensAfterExpansionAndKeepsQuotedSpaces() throws {
        let lexer = ShellLexer()
        let env = ["A": "x y", "EMPTY": ""]
        XCTAssertEqual(try lexer.processWords("a $A b", env: env), ["a", "x", "y", "b"])
        XCTAssertEqual(try lexer.processWords(#""a $A" b"#, env: env), ["a x y", "b"])
        XCTAssertEqual(try lexer.processWords(#"'' b"#, env: env), ["b"])
        XCTAssertEqual(try lexer.processWords("  80  443/udp ", env: env), ["80", "443/udp"])
    }

    func testBacktickEscapeToken() throws {
        let lexer = ShellLexer(escapeToken: "`")
        XCTAssertEqual(try lexer.processWord("c:\\dir`$PWD", env: env), "c:\\dir$PWD")
        XCTAssertEqual(try lexer.processWord("c:\\dir\\$PWD", env: env), "c:\\dir\\/home")
    }

    func testErrorNamesTheWord() {
        XCTAssertThrowsError(try ShellLexer().processWord("${X:?must be set}", env: [:])) { error in
            XCTAssertEqual((error as? BerthError)?.message, #"failed to process "${X:?must be set}": X: must be set"#)
        }
    }

    func testMatchedAndUnmatchedNamesAreReported() throws {
        let result = try ShellLexer().process("$PWD ${NOPE:-x}", lookup: { self.env[$0] })
        XCTAssertEqual(result.matched, ["PWD"])
        XCTAssertEqual(result.unmatched, ["NOPE"])
    }

    func testSkipUnsetKeepsReferences() throws {
        var lexer = ShellLexer()
        lexer.skipUnsetEnv = true
        XCTAssertEqual(try lexer.processWord("$A ${B} ${C:-x} $PWD", env: ["PWD": "/p"]), "$A ${B} ${C:-x} /p")
    }
}
