import XCTest
import BerthSystem
@testable import BerthCompose

final class YAMLTests: XCTestCase {
    func parse(_ text: String) throws -> YAMLNode {
        try YAMLParser.parse(text, file: "t.yaml")
    }

    func errorMessage(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch let e as BerthError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    func testMappingKeepsOrderAndMarks() throws {
        let root = try parse("b: 1\na:\n  - x\n  - 'y'\n")
        XCTAssertEqual(root.mapping?.map { $0.key.scalar?.value }, ["b", "a"])
        let items = try XCTUnwrap(root["a"]?.sequence)
        XCTAssertEqual(items[1].scalar, YAMLScalar("y", style: .singleQuoted))
        XCTAssertEqual(items[1].mark, YAMLMark(file: "t.yaml", line: 4, column: 5))
        XCTAssertEqual(root["b"]?.mark.line, 1)
    }

    func testAnchorsAndAliases() throws {
        let root = try parse("""
        base: &env
          A: "1"
          B: two
        copy: *env
        list: [&x hello, *x]
        """)
        XCTAssertEqual(root["copy"]?["B"]?.scalar?.value, "two")
        XCTAssertEqual(root["list"]?.sequence?.map { $0.scalar?.value }, ["hello", "hello"])
    }

    func testMergeKeySingleAndListWithPrecedence() throws {
        let root = try parse("""
        a: &a {x: 1, y: 1}
        b: &b {y: 2, z: 2}
        one:
          <<: *a
          x: 9
        two:
          <<: [*a, *b]
          w: 0
        """)
        // Explicit keys win over merged ones.
        XCTAssertEqual(root["one"]?["x"]?.scalar?.value, "9")
        XCTAssertEqual(root["one"]?["y"]?.scalar?.value, "1")
        // In a list, the earlier map wins.
        XCTAssertEqual(root["two"]?["y"]?.scalar?.value, "1")
        XCTAssertEqual(root["two"]?["z"]?.scalar?.value, "2")
        XCTAssertEqual(root["two"]?.mapping?.count, 4)
        XCTAssertNil(root["two"]?["<<"])
    }

    func testMultiLineStrings() throws {
        let root = try parse("""
        literal: |
          line one
          line two
        folded: >
          joined
          words
        stripped: |-
          no newline
        plain: a
          continued
        """)
        XCTAssertEqual(root["literal"]?.scalar?.value, "line one\nline two\n")
        XCTAssertEqual(root["literal"]?.scalar?.style, .literal)
        XCTAssertEqual(root["folded"]?.scalar?.value, "joined words\n")
        XCTAssertEqual(root["stripped"]?.scalar?.value, "no newline")
        XCTAssertEqual(root["plain"]?.scalar?.value, "a continued")
    }

    func testNullsAndQuotedNumbers() throws {
        let root = try parse("a:\nb: ~\nc: null\nd: \"null\"\ne: '80'\n")
        XCTAssertTrue(root["a"]!.isNull)
        XCTAssertTrue(root["b"]!.isNull)
        XCTAssertTrue(root["c"]!.isNull)
        XCTAssertFalse(root["d"]!.isNull)
        XCTAssertEqual(root["e"]?.scalar?.style, .singleQuoted)
    }

    func testEmptyDocumentIsEmptyMapping() throws {
        XCTAssertEqual(try parse("").mapping?.count, 0)
        XCTAssertEqual(try parse("# only a comment\n").mapping?.count, 0)
    }

    func testSyntaxErrorsNameFileLineAndColumn() {
        let bad = "services:\n  web:\n    image: nginx\n   ports: [80\n"
        let message = errorMessage(bad)
        XCTAssertTrue(message.hasPrefix("t.yaml:4:"), message)
        let tab = errorMessage("a:\n\tb: 1\n")
        XCTAssertTrue(tab.hasPrefix("t.yaml:2:"), tab)
    }

    func testUnknownAliasAndDuplicateKeyAreErrors() {
        XCTAssertEqual(errorMessage("a: *nope\n"), "t.yaml:1:4: unknown anchor 'nope' referenced")
        XCTAssertEqual(errorMessage("a: 1\nb: 2\na: 3\n"), "t.yaml:3:1: mapping key \"a\" already defined at line 1")
        XCTAssertTrue(errorMessage("a: &x 1\nb:\n  <<: *x\n").contains("t.yaml:1:4: a merge key '<<' needs a mapping"), errorMessage("a: &x 1\nb:\n  <<: *x\n"))
    }

    func testSeveralDocumentsRefused() {
        XCTAssertTrue(errorMessage("a: 1\n---\nb: 2\n").contains("several YAML documents"))
    }

    func testEmitterRoundTripsTrickyStrings() throws {
        let m = YAMLMark(file: "x", line: 0, column: 0)
        let strings = ["yes", "no", "on", "80", "22:22", "0755", "1e3", "", " lead", "trail ", "a: b", "#c", "*star", "&amp",
                       "- dash", "multi\nline", "tab\there", "quote\"d", "back\\slash", "ünïcödé", "null", "~", "true", "-1", ".5",
                       "key:", "[x]", "{y}", "!tag", "%p", "@at", "`tick", "plain text"]
        let node = YAMLNode(.mapping(strings.enumerated().map { i, s in
            YAMLPair(key: .scalar("k\(i)", mark: m), value: YAMLNode(.scalar(YAMLScalar(s, style: .doubleQuoted)), mark: m))
        } + [
            YAMLPair(key: .scalar("nested", mark: m), value: YAMLNode(.sequence([
                YAMLNode(.mapping([YAMLPair(key: .scalar("a", mark: m), value: .scalar("1", mark: m)),
                                   YAMLPair(key: .scalar("b", mark: m), value: YAMLNode(.sequence([]), mark: m))]), mark: m),
                YAMLNode(.sequence([.scalar("x", mark: m)]), mark: m),
                YAMLNode(.mapping([]), mark: m),
            ]), mark: m)),
        ]), mark: m)
        let text = YAMLEmitter.emit(node)
        let back = try YAMLParser.parse(text, file: "out")
        for (i, s) in strings.enumerated() {
            let v = try XCTUnwrap(back["k\(i)"]?.scalar, text)
            XCTAssertEqual(v.value, s, text)
            if v.style == .plain {
                XCTAssertFalse(YAMLEmitter.resolvesToNonString(s), "\"\(s)\" would be read as a non-string:\n\(text)")
            }
        }
        XCTAssertEqual(back["nested"]?.sequence?[0]["a"]?.scalar?.value, "1")
        XCTAssertEqual(back["nested"]?.sequence?[0]["b"]?.sequence?.count, 0)
        XCTAssertEqual(back["nested"]?.sequence?[1].sequence?[0].scalar?.value, "x")
        XCTAssertEqual(back["nested"]?.sequence?[2].mapping?.count, 0)
    }
}
