import XCTest
@testable import BerthRegistry

final class AuthChallengeTests: XCTestCase {
    func testDockerHubBearerChallenge() {
        let c = AuthChallenge.parse(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#)
        XCTAssertEqual(c.count, 1)
        XCTAssertEqual(c.first?.scheme, "bearer")
        XCTAssertEqual(c.first?.realm, "https://auth.docker.io/token")
        XCTAssertEqual(c.first?.service, "registry.docker.io")
        XCTAssertEqual(c.first?.scopes, ["repository:library/busybox:pull"])
    }

    func testErrorParameterAndSeveralScopes() {
        let c = AuthChallenge.parse(#"Bearer realm="https://r/t",service="s",scope="repository:a:pull repository:b:pull,push",error="insufficient_scope""#)
        XCTAssertEqual(c.first?.scopes, ["repository:a:pull", "repository:b:pull,push"])
        XCTAssertEqual(c.first?.parameters["error"], "insufficient_scope")
    }

    func testBasicAndSeveralChallengesInOneHeader() {
        let c = AuthChallenge.parse(#"Basic realm="Registry Realm", Bearer realm="https://x/token", service=reg"#)
        XCTAssertEqual(c.map(\.scheme), ["basic", "bearer"])
        XCTAssertEqual(c[0].realm, "Registry Realm")
        XCTAssertEqual(c[1].service, "reg")
    }

    func testQuotedEscapesUnquotedValuesAndCase() {
        let c = AuthChallenge.parse(#"BEARER Realm="a\"b", Service=plain"#)
        XCTAssertEqual(c.first?.scheme, "bearer")
        XCTAssertEqual(c.first?.realm, #"a"b"#)
        XCTAssertEqual(c.first?.service, "plain")
    }

    func testGarbageYieldsNothingOrNoParameters() {
        XCTAssertTrue(AuthChallenge.parse("").isEmpty)
        XCTAssertTrue(AuthChallenge.parse(" , ,").isEmpty)
        XCTAssertEqual(AuthChallenge.parse("Negotiate").first?.parameters, [:])
        XCTAssertEqual(AuthChallenge.parse(#"Bearer realm="unterminated"#).first?.realm, "unterminated")
    }
}
