import XCTest
@testable import BerthOCI

/// Matching and ordering as containerd's platforms package.
final class PlatformTests: XCTestCase {
    func p(_ s: String) -> Platform {
        let parts = s.split(separator: "/").map(String.init)
        return Platform(os: parts[0], architecture: parts[1], variant: parts.count > 2 ? parts[2] : nil)
    }

    func testHostPlatformFromUname() {
        XCTAssertEqual(Platform.host(machine: "x86_64"), p("linux/amd64"))
        XCTAssertEqual(Platform.host(machine: "aarch64"), p("linux/arm64/v8"))
        XCTAssertEqual(Platform.host(machine: "armv7l"), p("linux/arm/v7"))
        XCTAssertEqual(Platform.host(machine: "armv6l"), p("linux/arm/v6"))
        XCTAssertEqual(Platform.host(machine: "arm"), p("linux/arm/v7"))
        XCTAssertEqual(Platform.host(machine: "i686"), p("linux/386"))
        XCTAssertEqual(Platform.host(machine: "riscv64"), p("linux/riscv64"))
        #if arch(x86_64)
        XCTAssertEqual(Platform.current, p("linux/amd64"))
        #elseif arch(arm64)
        XCTAssertEqual(Platform.current, p("linux/arm64/v8"))
        #endif
    }

    func testNormalize() {
        XCTAssertEqual(p("Linux/x86_64").normalized, p("linux/amd64"))
        XCTAssertEqual(p("linux/aarch64/v8").normalized, p("linux/arm64"))
        XCTAssertEqual(p("linux/arm").normalized, p("linux/arm/v7"))
        XCTAssertEqual(p("linux/armhf").normalized, p("linux/arm/v7"))
        XCTAssertEqual(p("linux/armel").normalized, p("linux/arm/v6"))
        XCTAssertEqual(p("linux/i386").normalized, p("linux/386"))
        XCTAssertEqual(p("linux/arm64/9").normalized, p("linux/arm64/v9"))
    }

    func testParseSpecifiers() throws {
        let host = p("linux/arm64/v8")
        XCTAssertEqual(try Platform(parsing: "linux/amd64", host: host), p("linux/amd64"))
        XCTAssertEqual(try Platform(parsing: "linux/arm64/v8", host: host), p("linux/arm64/v8"))
        XCTAssertEqual(try Platform(parsing: "linux/arm64", host: host), p("linux/arm64"))
        XCTAssertEqual(try Platform(parsing: "linux/arm", host: host), p("linux/arm"))
        XCTAssertEqual(try Platform(parsing: "linux/arm/v6", host: host), p("linux/arm/v6"))
        XCTAssertEqual(try Platform(parsing: "amd64", host: host), p("linux/amd64"))
        XCTAssertEqual(try Platform(parsing: "linux", host: host), host)
        XCTAssertThrowsError(try Platform(parsing: "plan10", host: host)) { XCTAssertTrue("\($0)".contains("unknown operating system or architecture")) }
        XCTAssertThrowsError(try Platform(parsing: "linux//amd64", host: host))
        XCTAssertThrowsError(try Platform(parsing: "linux/amd64/v3/x", host: host))
    }

    func testMatchingAndOrder() {
        let arm64 = PlatformMatcher(p("linux/arm64/v8"))
        XCTAssertTrue(arm64.matches(p("linux/arm64")))
        XCTAssertTrue(arm64.matches(p("linux/aarch64/v8")))
        XCTAssertFalse(arm64.matches(p("linux/amd64")))
        XCTAssertFalse(arm64.matches(p("windows/arm64")))
        XCTAssertEqual(arm64.rank(p("linux/arm/v7")), 2, "arm64 runs arm/v8 then arm/v7")
        XCTAssertEqual(arm64.preferences, [p("linux/arm64"), p("linux/arm/v8"), p("linux/arm/v7"), p("linux/arm/v6"), p("linux/arm/v5")])

        let armv7 = PlatformMatcher(p("linux/arm/v7"))
        XCTAssertTrue(armv7.matches(p("linux/arm")), "arm without variant is v7")
        XCTAssertTrue(armv7.matches(p("linux/arm/v6")))
        XCTAssertFalse(armv7.matches(p("linux/arm/v8")))

        let amd64v3 = PlatformMatcher(p("linux/amd64/v3"))
        XCTAssertEqual(amd64v3.preferences, [p("linux/amd64/v3"), p("linux/amd64/v2"), p("linux/amd64"), p("linux/386")])
    }

    func testBestOfIndexPrefersExactThenFirstListed() throws {
        func d(_ n: Character, _ platform: String?) throws -> Descriptor {
            Descriptor(mediaType: MediaType.ociManifest, digest: try Digest(algorithm: .sha256, hex: String(repeating: n, count: 64)),
                       size: 1, platform: platform.map(p))
        }
        let list = [try d("1", "linux/arm/v6"), try d("2", nil), try d("3", "linux/arm/v7"), try d("4", "linux/arm64/v8"),
                    try d("5", "linux/amd64"), try d("6", "linux/amd64")]
        XCTAssertEqual(PlatformMatcher(p("linux/arm64")).best(of: list)?.digest.hex.first, "4")
        XCTAssertEqual(PlatformMatcher(p("linux/arm/v7")).best(of: list)?.digest.hex.first, "3")
        XCTAssertEqual(PlatformMatcher(p("linux/arm/v6")).best(of: list)?.digest.hex.first, "1")
        XCTAssertEqual(PlatformMatcher(p("linux/amd64")).best(of: list)?.digest.hex.first, "5")
        XCTAssertNil(PlatformMatcher(p("linux/s390x")).best(of: list))
    }
}
