import XCTest
@testable import BerthSystem

final class IdleMemoryTests: XCTestCase {
    func testOnlyCleanReadOnlyFileMappingsAreDropped() {
        let smaps = """
        55d0c0000000-55d0c2000000 r-xp 00000000 fe:00 123 /usr/bin/berth
        Rss:                8192 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me
        55d0c2000000-55d0c2100000 r--p 02000000 fe:00 123 /usr/bin/berth
        Rss:                1024 kB
        Anonymous:           900 kB
        VmFlags: rd mr mw me ac
        55d0c2100000-55d0c2200000 rw-p 02100000 fe:00 123 /usr/bin/berth
        Rss:                  64 kB
        Anonymous:             0 kB
        VmFlags: rd wr mr mw me ac
        7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
        Rss:                 512 kB
        Anonymous:           512 kB
        VmFlags: rd wr mr mw me ac
        7f0000200000-7f0000300000 r-xp 00000000 fe:00 77 /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                 900 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me lo
        7f0000300000-7f0000400000 r--s 00000000 fe:00 78 /var/cache/shared.db
        Rss:                  12 kB
        Anonymous:             0 kB
        VmFlags: rd mr me ms
        7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        """
        let mappings = IdleMemory.Mapping.parse(smaps)
        XCTAssertEqual(mappings.count, 7)
        XCTAssertEqual(mappings[0].start, 0x55d0c0000000)
        XCTAssertEqual(mappings[0].end, 0x55d0c2000000)
        XCTAssertEqual(mappings[0].path, "/usr/bin/berth")
        XCTAssertEqual(mappings[1].anonymousKiB, 900)
        // The text only: the relocated (copied-on-write) data, the writable
        // data, the heap, a locked library, a shared mapping and the vdso stay.
        XCTAssertEqual(mappings.filter(\.cleanFilePages).map(\.start), [0x55d0c0000000])
    }

    func testTrimDropsResidentFilePagesAndTheProcessGoesOn() throws {
        func fileRSS() throws -> Int {
            let rollup = try ProcFile.read("/proc/self/smaps_rollup")
            let line = rollup.split(separator: "\n").first { $0.hasPrefix("Rss:") }!
            let anon = rollup.split(separator: "\n").first { $0.hasPrefix("Anonymous:") }!
            return Int(line.split(separator: " ")[1])! - Int(anon.split(separator: " ")[1])!
        }
        let before = try fileRSS()
        let dropped = IdleMemory.trim()
        let after = try fileRSS()
        XCTAssertGreaterThan(dropped, 0, "the test binary's text is resident and clean")
        XCTAssertLessThan(after, before, "file-backed RSS goes down (\(before) → \(after) KiB)")
        // Code and read-only data fault back in: the process keeps working.
        XCTAssertEqual(String(describing: [3, 1, 2].sorted()), "[1, 2, 3]")
        XCTAssertEqual(try ProcFile.read("/proc/self/comm").isEmpty, false)
    }
}

final class RFC3339Tests: XCTestCase {
    func testFormatsUTCWithNanoseconds() {
        XCTAssertEqual(RFC3339.format(seconds: 0, nanoseconds: 0), "1970-01-01T00:00:00.000000000Z")
        XCTAssertEqual(RFC3339.format(seconds: 1_714_557_600, nanoseconds: 123_456_789), "2024-05-01T10:00:00.123456789Z")
        XCTAssertEqual(RFC3339.format(seconds: 951_782_400, nanoseconds: 5), "2000-02-29T00:00:00.000000005Z")
        let now = RFC3339.now()
        XCTAssertEqual(now.count, 30, now)
        XCTAssertTrue(now.hasSuffix("Z") && now.dropFirst(10).hasPrefix("T"), now)
    }
}
