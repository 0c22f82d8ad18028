import XCTest
import Glibc
@testable import BerthSystem

final class BerthErrorTests: XCTestCase {
    func testSystemErrorNamesCallPathAndErrno() {
        let error = SystemError("open", path: "/no/such/rootfs", errno: ENOENT)
        XCTAssertEqual(error.description, "open `/no/such/rootfs`: No such file or directory")
        XCTAssertEqual(error.code, .notFound)
    }

    func testBerthErrorWrapsCauseKeepingCode() {
        let error = BerthError(SystemError("mkdir", path: "/x", errno: EEXIST), while: "create state directory")
        XCTAssertEqual(error.code, .conflict)
        XCTAssertEqual(error.description, "create state directory: mkdir `/x`: File exists")
    }
}
