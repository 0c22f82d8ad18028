import XCTest
@testable import BerthRuntime
import BerthSystem

/// The v1 → v2 value conversions must give runc's numbers.
final class CgroupConversionTests: XCTestCase {
    func testSharesToWeightMatchesRunc() {
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 0), 0)
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 2), 1)
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 1024), 39)
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 262_144), 10_000)
        // Out of the kernel's range: clamped instead of wrapping around.
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 1), 1)
        XCTAssertEqual(CgroupConversions.cpuWeight(fromShares: 1_000_000), 10_000)
    }

    func testBlkioWeightToIOWeightMatchesRunc() {
        XCTAssertEqual(CgroupConversions.ioWeight(fromBlkioWeight: 0), 0)
        XCTAssertEqual(CgroupConversions.ioWeight(fromBlkioWeight: 10), 1)
        XCTAssertEqual(CgroupConversions.ioWeight(fromBlkioWeight: 500), 4950)
        XCTAssertEqual(CgroupConversions.ioWeight(fromBlkioWeight: 1000), 10_000)
    }

    func testSwapIsMemoryPlusSwapOnV1AndSwapAloneOnV2() throws {
        XCTAssertEqual(try CgroupConversions.swapMax(memorySwap: 0, memory: -1), -1)
        XCTAssertEqual(try CgroupConversions.swapMax(memorySwap: 0, memory: 0), 0)
        XCTAssertEqual(try CgroupConversions.swapMax(memorySwap: -1, memory: 1000), -1)
        XCTAssertEqual(try CgroupConversions.swapMax(memorySwap: 3000, memory: 1000), 2000)
        XCTAssertEqual(try CgroupConversions.swapMax(memorySwap: 1000, memory: 1000), 0)
        XCTAssertThrowsError(try CgroupConversions.swapMax(memorySwap: 1000, memory: 0)) {
            XCTAssertTrue("\($0)".contains("linux.resources.memory.swap"), "\($0)")
        }
        XCTAssertThrowsError(try CgroupConversions.swapMax(memorySwap: 500, memory: 1000)) {
            XCTAssertTrue("\($0)".contains("at least the memory limit"), "\($0)")
        }
    }

    func testV2LimitText() {
        XCTAssertNil(CgroupConversions.v2Limit(0))
        XCTAssertEqual(CgroupConversions.v2Limit(-1), "max")
        XCTAssertEqual(CgroupConversions.v2Limit(4096), "4096")
    }
}
