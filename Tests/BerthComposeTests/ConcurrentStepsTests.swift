import XCTest
import BerthSystem
@testable import BerthComposeRunner

/// The executor of plans: steps run at the same time when they may, after
/// their prerequisites when they must, and a failure stops what has not
/// started.
final class ConcurrentStepsTests: XCTestCase {
    /// A log of events and a way to wait for one (bounded, so that a broken
    /// executor fails the test instead of hanging it).
    final class Events: @unchecked Sendable {
        let condition = Condition()
        var log: [String] = []

        func add(_ event: String) {
            condition.withLock {
                log.append(event)
                condition.broadcast()
            }
        }

        func waitFor(_ event: String) -> Bool {
            for _ in 0..<1000 {
                if condition.withLock({ log.contains(event) }) { return true }
                usleep(10_000)
            }
            return false
        }
    }

    func testIndependentStepsOverlapAndDependentsWait() throws {
        let events = Events()
        // 0 and 1 are independent: 0 only ends once 1 has begun, which
        // cannot happen one at a time. 2 needs both.
        try ConcurrentSteps.run(prerequisites: [[], [], [0, 1]]) { i in
            events.add("begin \(i)")
            if i == 0 { XCTAssertTrue(events.waitFor("begin 1"), "step 1 did not run beside step 0") }
            events.add("end \(i)")
        }
        let log = events.condition.withLock { events.log }
        XCTAssertEqual(log.count, 6)
        let begin2 = log.firstIndex(of: "begin 2")!
        XCTAssertGreaterThan(begin2, log.firstIndex(of: "end 0")!)
        XCTAssertGreaterThan(begin2, log.firstIndex(of: "end 1")!)
    }

    struct Failure: Error {}

    func testFailureStopsStepsNotYetStartedAndIsThrown() {
        let events = Events()
        XCTAssertThrowsError(try ConcurrentSteps.run(prerequisites: [[], [0], [1]]) { i in
            events.add("run \(i)")
            if i == 1 { throw Failure() }
        }) { XCTAssertTrue($0 is Failure) }
        XCTAssertEqual(events.condition.withLock { events.log }, ["run 0", "run 1"])
    }

    func testOncePerKeySharesTheFirstOutcome() throws {
        let once = OncePerKey()
        let runs = Events()
        try ConcurrentSteps.run(prerequisites: [[], [], []]) { _ in
            try once.run("db") { runs.add("waited") }
        }
        XCTAssertEqual(runs.condition.withLock { runs.log }, ["waited"])
        XCTAssertThrowsError(try once.run("web") { throw Failure() })
        XCTAssertThrowsError(try once.run("web") { XCTFail("ran twice") })
    }
}
