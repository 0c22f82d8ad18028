import XCTest
@testable import BerthNetwork

final class DNSMessageTests: XCTestCase {
    /// A query for "web" type A as dig sends it (RD set).
    private let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                  3, 0x77, 0x65, 0x62, 0, 0, 1, 0, 1]

    func testDecodesAQuery() throws {
        let message = try DNSMessage.decode(query)
        XCTAssertEqual(message.id, 0x1234)
        XCTAssertTrue(message.recursionDesired)
        XCTAssertFalse(message.isResponse)
        XCTAssertEqual(message.questions, [DNSMessage.Question(name: "web.", type: DNSMessage.typeA)])
        XCTAssertEqual(message.encode(), query)
    }

    func testDecodesCompressedAnswers() throws {
        // Response with the answer's name as a pointer to offset 12.
        let response: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                                 3, 0x77, 0x65, 0x62, 0, 0, 1, 0, 1,
                                 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x02, 0x58, 0, 4, 10, 1, 2, 3]
        let message = try DNSMessage.decode(response)
        XCTAssertEqual(message.answers, [DNSMessage.Record(name: "web.", type: 1, ttl: 600, data: [10, 1, 2, 3])])
        XCTAssertEqual(message.rcode, 0)
    }

    func testRejectsTruncatedAndLoopingMessages() {
        XCTAssertThrowsError(try DNSMessage.decode(Array(query.prefix(15)))) { error in
            XCTAssertTrue("\(error)".hasPrefix("malformed DNS message"), "\(error)")
        }
        let loop: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]
        XCTAssertThrowsError(try DNSMessage.decode(loop))
    }

    func testAnswererResolvesNamesOnTheContainersNetworksOnly() throws {
        let records = DNSRecords()
        records.register(network: "front", containerID: "c1", names: ["Web", "www"], address: IPv4Address("10.1.0.2")!)
        records.register(network: "front", containerID: "c2", names: ["www"], address: IPv4Address("10.1.0.3")!)
        records.register(network: "back", containerID: "c3", names: ["db"], address: IPv4Address("10.2.0.2")!)
        let q = try DNSMessage.decode(query)

        let answer = try XCTUnwrap(DNSAnswerer.answer(q, records: records, networks: ["front"]))
        XCTAssertEqual(answer.id, 0x1234)
        XCTAssertTrue(answer.isResponse)
        XCTAssertEqual(answer.answers.map(\.data), [[10, 1, 0, 2]])
        XCTAssertEqual(answer.answers.first?.ttl, 600)

        var www = q
        www.questions = [.init(name: "WWW.", type: DNSMessage.typeA)]
        XCTAssertEqual(DNSAnswerer.answer(www, records: records, networks: ["front"])?.answers.count, 2)

        var db = q
        db.questions = [.init(name: "db.", type: DNSMessage.typeA)]
        XCTAssertNil(DNSAnswerer.answer(db, records: records, networks: ["front"]), "another network's name is forwarded, not answered")
        XCTAssertNotNil(DNSAnswerer.answer(db, records: records, networks: ["front", "back"]))

        var aaaa = q
        aaaa.questions = [.init(name: "web.", type: DNSMessage.typeAAAA)]
        let empty = try XCTUnwrap(DNSAnswerer.answer(aaaa, records: records, networks: ["front"]))
        XCTAssertEqual(empty.rcode, DNSMessage.rcodeNoError)
        XCTAssertTrue(empty.answers.isEmpty)

        var ptr = q
        ptr.questions = [.init(name: "2.0.1.10.in-addr.arpa.", type: DNSMessage.typePTR)]
        let reverse = try XCTUnwrap(DNSAnswerer.answer(ptr, records: records, networks: ["front"]))
        XCTAssertEqual(reverse.answers.first?.data, DNSMessage.encodeName("web.front"))

        records.unregister(containerID: "c1")
        XCTAssertNil(DNSAnswerer.answer(q, records: records, networks: ["front"]))
    }
}
