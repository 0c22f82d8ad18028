import XCTest
import BerthSystem
@testable import BerthNetwork

/// libnftables in the daemon and the `nft` program apply the same scripts to
/// the real kernel, with the same result and errors that name the problem.
final class NFTablesTests: XCTestCase {
    private func listTable(_ name: String) throws -> String {
        let result = try Subprocess.run("/usr/sbin/nft", ["list", "table", "ip", name])
        return result.status == 0 ? result.stdout : ""
    }

    func testLibraryAndProgramApplyTheSameTable() throws {
        try requireNetworkRoot()
        guard let library = NFTables.Library.open() else { throw XCTSkip("libnftables.so.1 missing: install nftables") }
        let program = NFTables.Program(path: "/usr/sbin/nft")
        let name = "berth-nftt\(uniqueHex())"
        defer { _ = try? Subprocess.run("/usr/sbin/nft", ["delete", "table", "ip", name]) }
        let rules = FirewallRules(networks: [], ports: [])
        let script = "table ip \(name) {}\ndelete table ip \(name)\n" + rules.render(table: name)
        var listings: [String] = []
        for backend in [library, program] as [any NFTables.Backend] {
            try backend.run(script)
            try backend.run(script) // replacing the table again is fine
            listings.append(try listTable(name))
            try backend.run("delete table ip \(name)\n")
            XCTAssertEqual(try listTable(name), "", "the table is gone")
        }
        XCTAssertTrue(listings[0].contains("chain postrouting"), listings[0])
        XCTAssertEqual(listings[0], listings[1])
        // One context serves many scripts; each error is that script's own.
        for backend in [library, program] as [any NFTables.Backend] {
            XCTAssertThrowsError(try backend.run("table ip \(name) { chain c { tcp dport nonsense accept } }\n")) { error in
                XCTAssertTrue("\(error)".contains("nonsense"), "\(error)")
            }
            XCTAssertThrowsError(try backend.run("delete table ip \(name)\n")) { error in
                XCTAssertFalse("\(error)".contains("nonsense"), "an earlier message is not repeated: \(error)")
                XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
            }
        }
    }
}
