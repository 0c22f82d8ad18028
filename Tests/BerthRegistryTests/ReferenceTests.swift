import XCTest
@testable import BerthOCI
@testable import BerthSystem

/// Cases from distribution/reference's normalize_test.go and reference_test.go.
final class ReferenceTests: XCTestCase {
    func testValidNamesFromDockersTable() throws {
        let valid = [
            "docker/docker", "library/debian", "debian", "docker.io/docker/docker", "docker.io/library/debian",
            "docker.io/debian", "index.docker.io/docker/docker", "index.docker.io/library/debian", "index.docker.io/debian",
            "127.0.0.1:5000/docker/docker", "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1",
            "192.168.0.1:80", "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
            "[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "Docker/docker", "DOCKER/docker",
            "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker", "jess/t", "dock__er/docker",
            "localhost/foo", "localhost:5000/foo/bar:tag",
        ]
        for name in valid {
            XCTAssertNoThrow(try Reference(parsing: name), name)
        }
    }

    func testInvalidNamesFromDockersTable() {
        let invalid = [
            "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker", "-docker.io/docker/docker",
            "docker///docker", "docker.io/docker/Docker", "docker.io/docker///docker", "[fc00::1]", "[fc00::1]:5000",
            "fc00::1:5000/debian", "[fe80::1%eth0]:5000/debian", "[2001:db8:3:4::192.0.2.33]:5000/debian",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker", "-docker-/docker",
            "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker", "dock-.er/docker", "docker/", "",
            ":justtag", "@sha256:" + String(repeating: "f", count: 64), "aa/asdf$$^/aa",
            "validname@invaliddigest:" + String(repeating: "f", count: 64), "busybox:-foo", "busybox:" + String(repeating: "a", count: 129),
            String(repeating: "a/", count: 128) + "a:tag",
        ]
        for name in invalid {
            XCTAssertThrowsError(try Reference(parsing: name), name) { error in
                XCTAssertEqual((error as? BerthError)?.code, .invalidArgument, name)
            }
        }
    }

    func testParseRepositoryInfoTable() throws {
        // (inputs, familiar name, full name, domain, path)
        let cases: [([String], String, String, String, String)] = [
            (["fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"], "fooo/bar", "docker.io/fooo/bar", "docker.io", "fooo/bar"),
            (["ubuntu", "docker.io/library/ubuntu", "library/ubuntu"], "ubuntu", "docker.io/library/ubuntu", "docker.io", "library/ubuntu"),
            (["nonlibrary/ubuntu"], "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "docker.io", "nonlibrary/ubuntu"),
            (["other/library"], "other/library", "docker.io/other/library", "docker.io", "other/library"),
            (["127.0.0.1:8000/private/moonbase"], "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase"),
            (["example.com/privatebase"], "example.com/privatebase", "example.com/privatebase", "example.com", "privatebase"),
            (["example.com:8000/private/moonbase"], "example.com:8000/private/moonbase", "example.com:8000/private/moonbase", "example.com:8000", "private/moonbase"),
            (["ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base"], "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base"),
            (["foo", "docker.io/foo"], "foo", "docker.io/library/foo", "docker.io", "library/foo"),
            (["library/foo/bar", "docker.io/library/foo/bar"], "library/foo/bar", "docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
            (["store/foo/bar"], "store/foo/bar", "docker.io/store/foo/bar", "docker.io", "store/foo/bar"),
            (["Foo/bar"], "Foo/bar", "Foo/bar", "Foo", "bar"),
            (["test_com/foo"], "test_com/foo", "docker.io/test_com/foo", "docker.io", "test_com/foo"),
            (["xn--n3h.com:18080/foo"], "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
        ]
        for (inputs, familiar, full, domain, path) in cases {
            for input in inputs {
                let ref = try Reference(parsing: input)
                XCTAssertEqual(ref.familiarName, familiar, input)
                XCTAssertEqual(ref.name, full, input)
                XCTAssertEqual(ref.domain, domain, input)
                XCTAssertEqual(ref.path, path, input)
            }
        }
    }

    func testTagsDigestsAndPorts() throws {
        let hex = String(repeating: "f", count: 64)
        let ref = try Reference(parsing: "test:5000/repo:tag@sha256:\(hex)")
        XCTAssertEqual(ref.domain, "test:5000")
        XCTAssertEqual(ref.tag, "tag")
        XCTAssertEqual(ref.digest?.hex, hex)
        XCTAssertEqual(ref.tagOrDigest, "sha256:\(hex)", "the digest wins when pulling")

        // test.com:5000 without a slash is a name with tag 5000.
        let tagged = try Reference(parsing: "test.com:5000")
        XCTAssertEqual(tagged.path, "library/test.com")
        XCTAssertEqual(tagged.tag, "5000")

        let short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
        let both = try Reference(parsing: short)
        XCTAssertEqual(both.description, "docker.io/library/" + short)
        XCTAssertEqual(both.familiarString, short)

        XCTAssertEqual(try Reference(parsing: "busybox").withDefaultTag.description, "docker.io/library/busybox:latest")
        XCTAssertEqual(try Reference(parsing: "b.gcr.io/test.example.com/my-app:test.example.com").tag, "test.example.com")
        XCTAssertEqual(try Reference(parsing: "foo/foo_bar.com:8080").tag, "8080")
        XCTAssertEqual(try Reference(parsing: "localhost/foo").domain, "localhost")
        XCTAssertEqual(try Reference(parsing: "test.com:8000/foo").with(tag: "TAG5").description, "test.com:8000/foo:TAG5")
        XCTAssertThrowsError(try Reference(parsing: "busybox").with(tag: "-foo"))
    }

    func testNameLengthLimit() throws {
        // 127 components: name "docker.io/" + 255 chars is over the limit
        // once normalized; a registry host keeps it under.
        XCTAssertNoThrow(try Reference(parsing: "a.b/" + String(repeating: "a/", count: 124) + "a:tag-puts-this-over-max"))
        XCTAssertThrowsError(try Reference(parsing: "a.b/" + String(repeating: "a/", count: 127) + "a")) { error in
            XCTAssertTrue("\(error)".contains("must not be more than 255 characters"), "\(error)")
        }
    }

    func testErrorsNameTheBadPart() {
        func message(_ s: String) -> String {
            do { _ = try Reference(parsing: s); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("docker/Docker"), "invalid reference format: repository name (docker/Docker) must be lowercase")
        XCTAssertTrue(message("aa/asdf$$^/aa").contains("path component \"asdf$$^\""), message("aa/asdf$$^/aa"))
        XCTAssertTrue(message("busybox:-x").contains("tag \"-x\""))
        XCTAssertTrue(message("https://github.com/docker/docker").contains("registry"), message("https://github.com/docker/docker"))
        XCTAssertTrue(message(String(repeating: "ab", count: 32)).contains("cannot specify 64-byte hexadecimal strings"))
        XCTAssertTrue(message("busybox@sha256:abc").contains("invalid digest"))
    }

    func testCodableAsString() throws {
        let ref = try Reference(parsing: "busybox:1.36")
        let data = try JSONEncoder().encode([ref])
        XCTAssertEqual(try JSONDecoder().decode([String].self, from: data), ["docker.io/library/busybox:1.36"])
        XCTAssertEqual(try JSONDecoder().decode([Reference].self, from: data), [ref])
    }
}
