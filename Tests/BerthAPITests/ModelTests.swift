import BerthEngine
import BerthSystem
import XCTest

/// The hand-written model pieces: filters, registry auth header, free JSON.
final class ModelTests: XCTestCase {
    func testFiltersAcceptBothWireForms() throws {
        let current = try Filters(json: #"{"label":["a=b","c"],"status":["running"]}"#)
        let legacy = try Filters(json: #"{"label":{"a=b":true,"c":true},"status":{"running":true,"exited":false}}"#)
        XCTAssertEqual(current, legacy)
        XCTAssertEqual(current.values("label"), ["a=b", "c"])
        XCTAssertTrue(current.matchLabels(["a": "b", "c": "x"]))
        XCTAssertFalse(current.matchLabels(["a": "other", "c": "x"]))
        XCTAssertTrue(current.exactMatch("status", "running"))
        XCTAssertFalse(current.exactMatch("status", "exited"))
        XCTAssertTrue(current.exactMatch("name", "anything"), "an absent filter matches everything")
        XCTAssertEqual(try Filters(json: current.json()), current)
        XCTAssertTrue(try Filters(json: "").isEmpty)
    }

    func testBadFiltersNameWhatIsWrong() {
        XCTAssertThrowsError(try Filters(json: "[1]")) { error in
            XCTAssertEqual((error as? BerthError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try Filters(json: #"{"label":[1]}"#)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "invalid filter 'label': values must be strings")
        }
        XCTAssertThrowsError(try Filters(json: #"{"until":["1h"]}"#).validate(allowed: ["label"])) { error in
            XCTAssertEqual((error as? BerthError)?.message, "invalid filter 'until'")
        }
    }

    func testRegistryAuthHeaderIsBase64URLPaddedOrNot() throws {
        // {"username":"a?","password":"b>"} has '+'/'/' in standard base64: url alphabet differs.
        let json = #"{"username":"a??","password":"b>>>"}"#
        var encoded = Data(json.utf8).base64EncodedString().replacing("+", with: "-").replacing("/", with: "_")
        let padded = try XCTUnwrap(try AuthConfig(registryAuthHeader: encoded))
        while encoded.hasSuffix("=") { encoded.removeLast() }
        let unpadded = try XCTUnwrap(try AuthConfig(registryAuthHeader: encoded))
        XCTAssertEqual(padded, unpadded)
        XCTAssertEqual(padded.username, "a??")
        XCTAssertNil(try AuthConfig(registryAuthHeader: ""))
        XCTAssertThrowsError(try AuthConfig(registryAuthHeader: "e30K!!"))
    }

    func testJSONValueKeepsIntegersIntegral() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":[1,2.5,"x",null,true]}"#.utf8))
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        XCTAssertEqual(text, #"{"a":[1,2.5,"x",null,true]}"#)
    }

    func testAPIVersionOrdersNumerically() {
        XCTAssertLessThan(APIVersion("1.9")!, APIVersion("1.24")!)
        XCTAssertGreaterThan(APIVersion.current, APIVersion(1, 41))
        XCTAssertNil(APIVersion("one.two"))
    }
}
