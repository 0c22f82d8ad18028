import XCTest
import BerthSystem
@testable import BerthCompose

/// Cases from compose-go's template_test.go (FOO=first, BAR empty).
final class TemplateTests: XCTestCase {
    let template = Template(environment: ["FOO": "first", "BAR": ""])

    func sub(_ s: String) throws -> String { try template.substitute(s) }

    func failure(_ s: String) -> String? {
        do {
            _ = try template.substitute(s)
            return nil
        } catch {
            return error.message
        }
    }

    func testSubstitutionTable() throws {
        let cases: [(String, String)] = [
            ("$${foo}", "${foo}"),
            ("foo", "foo"),
            ("$FOO-bar", "first-bar"),
            ("This ${missing} var", "This  var"),
            ("This ${BAR} var", "This  var"),
            ("This $FOO var", "This first var"),
            ("This ${FOO} var", "This first var"),
            ("ok ${missing:-def}", "ok def"),
            ("ok ${missing-def}", "ok def"),
            ("ok ${BAR:-def}", "ok def"),
            ("ok ${FOO:-def}", "ok first"),
            ("ok ${BAR-def}", "ok "),
            ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
            ("ok ${UNSET_VAR-$FOO}", "ok first"),
            ("ok ${UNSET_VAR-${FOO}}", "ok first"),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR:-$FOO}", "ok first"),
            ("ok ${BAR:-${FOO}}", "ok first"),
            ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
            ("ok ${FOO:?err}", "ok first"),
            ("ok ${FOO?err}", "ok first"),
            ("ok ${BAR?err}", "ok "),
            ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
            ("${FOO?bar-baz}", "first"),
            ("${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"),
            ("${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
            ("${FOO:+alt}", "alt"),
            ("${BAR:+alt}", ""),
            ("${BAR+alt}", "alt"),
            ("${UNSET+alt}", ""),
            ("${A:-${B:-${FOO}}}x", "firstx"),
            ("$$FOO $$$FOO", "$FOO $first"),
            ("${FOO}${FOO}", "firstfirst"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(try sub(input), expected, input)
        }
    }

    func testInvalidTemplates() {
        for bad in ["${", "$}", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "cost $5", "trailing $"] {
            XCTAssertEqual(failure(bad)?.hasPrefix("Invalid template"), true, bad)
        }
    }

    func testRequiredVariables() {
        XCTAssertEqual(failure("not ok ${UNSET_VAR:?Mandatory Variable Unset}"), "required variable UNSET_VAR is missing a value: Mandatory Variable Unset")
        XCTAssertEqual(failure("not ok ${BAR:?Mandatory Variable Empty}"), "required variable BAR is missing a value: Mandatory Variable Empty")
        XCTAssertEqual(failure("not ok ${UNSET_VAR:?}"), "required variable UNSET_VAR is missing a value")
        XCTAssertEqual(failure("not ok ${UNSET_VAR?Mandatory Variable Unset}"), "required variable UNSET_VAR is missing a value: Mandatory Variable Unset")
        XCTAssertEqual(failure("not ok ${UNSET_VAR?}"), "required variable UNSET_VAR is missing a value")
        XCTAssertEqual(failure("not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}"), "required variable UNSET_VAR is missing a value: Mandatory Variable first")
        XCTAssertEqual(failure("${UNSET_VAR?bar-baz}"), "required variable UNSET_VAR is missing a value: bar-baz")
    }

    func testUnsetVariablesAreReported() throws {
        var unset: [String] = []
        XCTAssertEqual(try template.substitute("$NOPE ${ALSO_NOPE} ${DEF:-x}", unset: &unset), "  x")
        XCTAssertEqual(unset, ["NOPE", "ALSO_NOPE"])
    }

    func testInterpolationErrorNamesFileLineAndPath() throws {
        let node = try YAMLParser.parse("services:\n  web:\n    image: \"nginx:${TAG:?set TAG}\"\n", file: "compose.yaml")
        var unset: [String] = []
        XCTAssertThrowsError(try template.interpolate(node, unset: &unset)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "compose.yaml:3:12: services.web.image: required variable TAG is missing a value: set TAG")
        }
        // Keys are never interpolated.
        let keyed = try template.interpolate(try YAMLParser.parse("$FOO: $FOO\n", file: "k"), unset: &unset)
        XCTAssertEqual(keyed.mapping?.first?.key.scalar?.value, "$FOO")
        XCTAssertEqual(keyed["$FOO"]?.scalar?.value, "first")
    }

    func testDotEnv() throws {
        let text = """
        # comment
        export A=1
        B = spaced value  # inline comment
        C='single $A'
        D="double ${A}\\nnext"
        E="multi
        line"
        F=${A}${B:+-set}
        G: yamlish
        INHERITED
        EMPTY=
        HASH=a#b
        """
        let env = try DotEnv.parse(text, file: ".env", lookup: { $0 == "INHERITED" ? "from-os" : nil })
        let dict = Dictionary(env.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        XCTAssertEqual(dict["A"], "1")
        XCTAssertEqual(dict["B"], "spaced value")
        XCTAssertEqual(dict["C"], "single $A")
        XCTAssertEqual(dict["D"], "double 1\nnext")
        XCTAssertEqual(dict["E"], "multi\nline")
        XCTAssertEqual(dict["F"], "1-set")
        XCTAssertEqual(dict["G"], "yamlish")
        XCTAssertEqual(dict["INHERITED"], "from-os")
        XCTAssertEqual(dict["EMPTY"], "")
        XCTAssertEqual(dict["HASH"], "a#b")
        XCTAssertThrowsError(try DotEnv.parse("OK=1\nBAD KEY=2\n", file: ".env")) { error in
            XCTAssertTrue("\(error)".hasPrefix(".env:2:"), "\(error)")
        }
    }
}
