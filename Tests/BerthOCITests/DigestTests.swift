import XCTest
import Foundation
@testable import BerthOCI
@testable import BerthSystem

final class DigestTests: XCTestCase {
    let hex = String(repeating: "ab", count: 32)

    func testParsesAndPrintsSHA256() throws {
        let digest = try Digest(parsing: "sha256:\(hex)")
        XCTAssertEqual(digest.algorithm, .sha256)
        XCTAssertEqual(digest.description, "sha256:\(hex)")
        XCTAssertEqual(digest.short, String(hex.prefix(12)))
    }

    func testRejectsBadDigestsNamingTheProblem() {
        for bad in ["sha256", "md5:\(hex)", "sha256:\(hex.uppercased())", "sha256:abc", "sha512:\(hex)"] {
            XCTAssertThrowsError(try Digest(parsing: bad), bad) { error in
                XCTAssertEqual((error as? BerthError)?.code, .invalidArgument)
            }
        }
    }

    func testDescriptorRoundTripsJSON() throws {
        let json = #"{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:\#(hex)","size":42}"#
        let descriptor = try JSONDecoder().decode(Descriptor.self, from: Data(json.utf8))
        XCTAssertEqual(descriptor.size, 42)
        XCTAssertEqual(descriptor.digest.hex, hex)
        let again = try JSONDecoder().decode(Descriptor.self, from: JSONEncoder().encode(descriptor))
        XCTAssertEqual(again, descriptor)
    }
}
