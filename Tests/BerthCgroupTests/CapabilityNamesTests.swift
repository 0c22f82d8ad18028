import XCTest
@testable import BerthRuntime

final class CapabilityNamesTests: XCTestCase {
    func testNamesAndNumbers() throws {
        XCTAssertEqual(try CapabilityNames.number("CAP_CHOWN"), 0)
        XCTAssertEqual(try CapabilityNames.number("CAP_NET_ADMIN"), 12)
        XCTAssertEqual(try CapabilityNames.number("CAP_SYS_RESOURCE"), 24)
        XCTAssertEqual(try CapabilityNames.number("CAP_CHECKPOINT_RESTORE"), 40)
        XCTAssertEqual(try CapabilityNames.number("net_raw"), 13)
        XCTAssertEqual(CapabilityNames.name(21), "CAP_SYS_ADMIN")
        XCTAssertEqual(CapabilityNames.name(63), "CAP_63")
        for n in Int32(0)...40 { XCTAssertEqual(try CapabilityNames.number(CapabilityNames.name(n)), n) }
        XCTAssertThrowsError(try CapabilityNames.number("CAP_NOPE")) {
            XCTAssertEqual("\($0)", "unknown capability \"CAP_NOPE\"")
        }
    }

    func testLastCapAndBoundingComeFromTheKernel() throws {
        let last = try String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8)
        XCTAssertEqual(CapabilityNames.lastCap, Int32(last.trimmingCharacters(in: .whitespacesAndNewlines)))
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }!
        let mask = UInt64(line.split(separator: "\t").last!, radix: 16)!
        let bounding = CapabilityNames.bounding()
        XCTAssertEqual(bounding.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }, mask)
    }

    func testBoundingMaskParsing() {
        // This machine's CapBnd: everything up to 40 except CAP_SYS_RESOURCE (24).
        let caps = CapabilityNames.parseCapabilityMask(status: "Name:\tx\nCapBnd:\t000001fffeffffff\n", field: "CapBnd")
        XCTAssertEqual(caps.count, 40)
        XCTAssertFalse(caps.contains(24))
        XCTAssertTrue(caps.contains(40))
    }

    func testRlimits() throws {
        XCTAssertEqual(try RlimitNames.number("RLIMIT_CPU"), 0)
        XCTAssertEqual(try RlimitNames.number("RLIMIT_NOFILE"), 7)
        XCTAssertEqual(try RlimitNames.number("RLIMIT_RTTIME"), 15)
        XCTAssertEqual(RlimitNames.name(6), "RLIMIT_NPROC")
        XCTAssertThrowsError(try RlimitNames.number("RLIMIT_NOPE")) {
            XCTAssertEqual("\($0)", "unknown rlimit \"RLIMIT_NOPE\"")
        }
    }
}
