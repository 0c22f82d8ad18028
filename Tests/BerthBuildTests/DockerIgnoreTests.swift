import XCTest
@testable import BerthBuild
@testable import BerthSystem

/// Cases from moby/patternmatcher's patternmatcher_test.go (TestMatches with
/// MatchesOrParentMatches, TestMatch's filepath.Match table) and buildkit's
/// dockerignore.ReadAll rules.
final class DockerIgnoreTests: XCTestCase {
    static let single: [(String, String, Bool)] = [
        ("**", "file", true), ("**", "file/", true), ("**/", "file", true), ("**/", "file/", true),
        ("**", "/", true), ("**/", "/", true), ("**", "dir/file", true), ("**/", "dir/file", true),
        ("**/**", "dir/file", true), ("dir/**", "dir/file", true), ("dir/**", "dir/dir2/file", true),
        ("**/dir", "dir", true), ("**/dir", "dir/file", true), ("**/dir2/*", "dir/dir2/file", true),
        ("**/dir2/*", "dir/dir2/file/", true), ("**/dir2/**", "dir/dir2/dir3/file", true),
        ("**file", "file", true), ("**file", "dir/file", true), ("**/file", "dir/file", true),
        ("**file", "dir/dir/file", true), ("**/file*", "dir/dir/file.txt", true),
        ("**/file*txt", "dir/dir/file.txt", true), ("**/file*.txt*", "dir/dir/file.txt", true),
        ("**/**/*.txt", "dir/dir/file.txt", true), ("**/**/*.txt2", "dir/dir/file.txt", false),
        ("**/*.txt", "file.txt", true), ("**/**/*.txt", "file.txt", true), ("a**/*.txt", "a/file.txt", true),
        ("a**/*.txt", "a/dir/file.txt", true), ("a**/*.txt", "a/dir/dir/file.txt", true),
        ("a/*.txt", "a/dir/file.txt", false), ("a/*.txt", "a/file.txt", true), ("a/*.txt**", "a/file.txt", true),
        ("a[b-d]e", "ae", false), ("a[b-d]e", "ace", true), ("a[b-d]e", "aae", false), ("a[^b-d]e", "aze", true),
        (".*", ".foo", true), (".*", "foo", false), ("abc.def", "abcdef", false), ("abc.def", "abc.def", true),
        ("abc.def", "abcZdef", false), ("abc?def", "abcZdef", true), ("abc?def", "abcdef", false),
        ("**/foo/bar", "foo/bar", true), ("**/foo/bar", "dir/dir2/foo/bar", true), ("abc/**", "abc", false),
        ("abc/**", "abc/def/ghi", true), ("**/.foo", ".foo", true), ("**/.foo", "bar.foo", false),
        ("a(b)c/def", "a(b)c/def", true), ("a(b)c/def", "a(b)c/xyz", false), ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
        ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
        (#"a\\"#, #"a\"#, true), (#"a\*b"#, "a*b", true),
        // filepath.Match cases (parents count: "a*" matches "ab/c" through "ab").
        ("abc", "abc", true), ("*", "abc", true), ("*c", "abc", true), ("a*", "a", true), ("a*", "ab/c", true),
        ("a*/b", "abc/b", true), ("a*/b", "a/c/b", false), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false), ("a*b?c*x", "abxbbxdbxebxczzx", true),
        ("a*b?c*x", "abxbbxdbxebxczzy", false), ("ab[^e-g]", "abc", true), ("a?b", "a☺b", true),
        ("a???b", "a☺b", false), ("[a-ζ]*", "α", true), ("*[a-ζ]", "A", false), ("a?b", "a/b", false),
        ("a*b", "a/b", false), (#"[\]a]"#, "]", true), (#"[\-]"#, "-", true), (#"[x\-]"#, "-", true),
        (#"[x\-]"#, "z", false), ("*x", "xxx", true),
    ]

    func testSinglePatternTable() throws {
        for (pattern, path, expected) in Self.single {
            let ignore = try DockerIgnore(patterns: [pattern])
            XCTAssertEqual(ignore.excludes(path), expected, "pattern \(pattern) on \(path)")
        }
    }

    func testMalformedPatternsAreRefused() {
        for bad in ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "!"] {
            XCTAssertThrowsError(try DockerIgnore(patterns: [bad]), bad) { error in
                XCTAssertEqual((error as? BerthError)?.code, .invalidArgument)
            }
        }
    }

    func testExceptionsApplyInOrder() throws {
        let cases: [([String], String, Bool)] = [
            (["**", "!util/docker/web"], "util/docker/web/foo", false),
            (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
            (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
            (["!fileutils.go", "*.go"], "fileutils.go", true),
            (["*.go", "!fileutils.go"], "fileutils.go", false),
            (["docs", "!docs/README.md"], "docs/README.md", false),
            (["docs/", "!docs/README.md"], "docs/README.md", false),
            (["docs/*", "!docs/README.md"], "docs/README.md", false),
            (["docs", "!docs/README.md"], "docs/other.md", true),
            (["*.go"], ".", false),
            ([], "any/path", false),
        ]
        for (patterns, path, expected) in cases {
            XCTAssertEqual(try DockerIgnore(patterns: patterns).excludes(path), expected, "\(patterns) on \(path)")
        }
    }

    func testReadingCleansPatterns() throws {
        let ignore = try DockerIgnore(parsing: "\u{FEFF}# comment\n  *.log  \n\n/abs/path\n./rel\n! keep.log\ndir/../other/\n #not a comment\n")
        XCTAssertEqual(ignore.patterns, ["*.log", "abs/path", "rel", "!keep.log", "other", "#not a comment"])
        XCTAssertTrue(ignore.excludes("x.log"))
        XCTAssertFalse(ignore.excludes("keep.log"))
        XCTAssertTrue(ignore.excludes("abs/path/deeper"))
        XCTAssertFalse(ignore.excludes("sub/x.log"), "* does not cross directories")
        XCTAssertTrue(ignore.hasExceptions)
    }

    func testKeepingAddsExceptionsOnlyWhenNeeded() throws {
        let ignore = try DockerIgnore(parsing: "*\n")
        let kept = ignore.keeping([".dockerignore", "build/Dockerfile"])
        XCTAssertFalse(kept.excludes(".dockerignore"))
        XCTAssertFalse(kept.excludes("build/Dockerfile"))
        XCTAssertTrue(kept.excludes("src"))
        XCTAssertEqual(try DockerIgnore(parsing: "*.log\n").keeping(["Dockerfile"]).patterns, ["*.log"])
    }

    func testPathGlobIsFilepathMatch() throws {
        XCTAssertTrue(try PathGlob("*.txt").matches("a.txt"))
        XCTAssertFalse(try PathGlob("*.txt").matches("dir/a.txt"))
        XCTAssertTrue(try PathGlob("*/*.txt").matches("dir/a.txt"))
        XCTAssertTrue(try PathGlob("a\\*b").matches("a*b"))
        XCTAssertTrue(try PathGlob("[^a]b").matches("xb"))
        XCTAssertFalse(try PathGlob("a*").matches("ab/c"), "COPY globs do not match through parents")
        XCTAssertThrowsError(try PathGlob("[x-"))
        XCTAssertTrue(PathGlob.containsWildcards("a/b?"))
        XCTAssertFalse(PathGlob.containsWildcards("a\\*b"))
    }
}
