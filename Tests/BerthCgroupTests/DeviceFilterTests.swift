import XCTest
@testable import BerthRuntime
import BerthOCI

/// The device rules → eBPF translation, checked instruction by instruction
/// against runc's devicefilter_test.go cases (same program shape; the jump
/// offsets are the resolved ones where cilium prints symbols).
final class DeviceFilterTests: XCTestCase {
    static let prologue = [
        "LdXMemW dst: r2 src: r1 off: 0 imm: 0",
        "AndImm32 dst: r2 imm: 65535",
        "LdXMemW dst: r3 src: r1 off: 0 imm: 0",
        "RShImm32 dst: r3 imm: 16",
        "LdXMemW dst: r4 src: r1 off: 4 imm: 0",
        "LdXMemW dst: r5 src: r1 off: 8 imm: 0",
    ]

    func text(_ rules: [RuntimeSpec.DeviceRule]) throws -> [String] {
        try DeviceFilter.program(for: CgroupDeviceRule.validate(rules)).map(\.text)
    }

    func testNoRulesRejectsEverything() throws {
        XCTAssertEqual(try text([]), Self.prologue + ["MovImm32 dst: r0 imm: 0", "Exit"])
    }

    func testPrivilegedAcceptsEverything() throws {
        XCTAssertEqual(try text([.init(allow: true, type: "a", access: "rwm")]),
                       Self.prologue + ["MovImm32 dst: r0 imm: 1", "Exit"])
    }

    func testPrivilegedExceptSingleDevice() throws {
        let rules: [RuntimeSpec.DeviceRule] = [.init(allow: true, type: "a", access: "rwm"),
                                               .init(allow: false, type: "b", major: 8, minor: 0, access: "rwm")]
        XCTAssertEqual(try text(rules), Self.prologue + [
            "JNEImm dst: r2 off: 4 imm: 1",
            "JNEImm dst: r4 off: 3 imm: 8",
            "JNEImm dst: r5 off: 2 imm: 0",
            "MovImm32 dst: r0 imm: 0", "Exit",
            "MovImm32 dst: r0 imm: 1", "Exit",
        ])
    }

    /// runc's "Weird" case: a deny before "a" is wiped by it; 8:2 stays denied.
    func testWildcardResetsEarlierRules() throws {
        let rules: [RuntimeSpec.DeviceRule] = [.init(allow: false, type: "b", major: 8, minor: 1, access: "rwm"),
                                               .init(allow: true, type: "a", access: "rwm"),
                                               .init(allow: false, type: "b", major: 8, minor: 2, access: "rwm")]
        XCTAssertEqual(try text(rules), Self.prologue + [
            "JNEImm dst: r2 off: 4 imm: 1", "JNEImm dst: r4 off: 3 imm: 8", "JNEImm dst: r5 off: 2 imm: 2",
            "MovImm32 dst: r0 imm: 0", "Exit",
            "MovImm32 dst: r0 imm: 1", "Exit",
        ])
    }

    /// The default allow-list, sorted by (major, minor, type) as runc emits it.
    func testBuiltInAllowList() throws {
        func dev(_ major: Int, _ minor: Int) -> [String] {
            ["JNEImm dst: r2 off: 4 imm: 2", "JNEImm dst: r4 off: 3 imm: \(major)", "JNEImm dst: r5 off: 2 imm: \(minor)",
             "MovImm32 dst: r0 imm: 1", "Exit"]
        }
        func mknod(_ type: Int) -> [String] {
            ["JNEImm dst: r2 off: 5 imm: \(type)", "MovReg32 dst: r1 src: r3", "AndImm32 dst: r1 imm: 1",
             "JNEReg dst: r1 off: 2 src: r3", "MovImm32 dst: r0 imm: 1", "Exit"]
        }
        let expected = Self.prologue + mknod(1) + mknod(2) + dev(1, 3) + dev(1, 5) + dev(1, 7) + dev(1, 8) + dev(1, 9)
            + dev(5, 0) + dev(5, 2) + dev(10, 200)
            + ["JNEImm dst: r2 off: 3 imm: 2", "JNEImm dst: r4 off: 2 imm: 136", "MovImm32 dst: r0 imm: 1", "Exit"]
            + ["MovImm32 dst: r0 imm: 0", "Exit"]
        XCTAssertEqual(try text(DeviceRules.defaultAllowed), expected)
        // Docker's "deny all" first changes nothing: the state starts denied.
        XCTAssertEqual(try text(DeviceRules.effective(resources: .init(devices: [.init(allow: false, access: "rwm")]))), expected)
    }

    func testPartialAccessChecksThatEveryRequestedBitIsAllowed() throws {
        let insts = try DeviceFilter.program(for: CgroupDeviceRule.validate([.init(allow: true, type: "c", major: 1, minor: 11, access: "rw")]))
        // r = 2, w = 4 in BPF_DEVCG_ACC_*.
        XCTAssertTrue(insts.map(\.text).contains("AndImm32 dst: r1 imm: 6"))
    }

    func testInstructionEncoding() {
        // jne r4, 136, +2 → code 0x55, regs dst 4 / src 0, off 2, imm 136, little-endian.
        XCTAssertEqual(BPFInstruction(code: BPFInstruction.jneImm, dst: 4, off: 2, imm: 136).bytes,
                       [0x55, 0x04, 0x02, 0x00, 0x88, 0x00, 0x00, 0x00])
        XCTAssertEqual(BPFInstruction(code: BPFInstruction.movReg32, dst: 1, src: 3).bytes,
                       [0xbc, 0x31, 0, 0, 0, 0, 0, 0])
    }

    func testRuleErrorsNameTheField() {
        XCTAssertThrowsError(try CgroupDeviceRule.validate([.init(allow: true, type: "a"), .init(allow: true, type: "x")])) {
            XCTAssertTrue("\($0)".contains("linux.resources.devices[1].type: invalid device type \"x\""), "\($0)")
        }
        XCTAssertThrowsError(try CgroupDeviceRule.validate([.init(allow: true, type: "c", access: "rwx")])) {
            XCTAssertTrue("\($0)".contains("linux.resources.devices[0].access"), "\($0)")
        }
    }

    /// v1 would silently ignore a deny carved out of a wildcard allow; refuse it (as runc).
    func testCannotPunchHoleInWildcard() throws {
        let rules: [RuntimeSpec.DeviceRule] = [.init(allow: true, type: "c", major: 1, minor: nil, access: "rwm"),
                                               .init(allow: false, type: "c", major: 1, minor: 3, access: "w")]
        XCTAssertThrowsError(try CgroupDeviceEmulator(CgroupDeviceRule.validate(rules))) {
            XCTAssertTrue("\($0)".contains("devices[1]: rule \"c 1:3 w\" cannot punch a hole"), "\($0)")
        }
    }
}
