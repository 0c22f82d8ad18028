import CArchive  // timespec's members (MemberImportVisibility: see ARCHITECTURE.md Footprint)
import Glibc

/// Wall time of the phases of one container operation, for the daemon's
/// debug log (`berth daemon --debug`): "start 3f2b1c8e9a0d: mount 0.4 ms,
/// network 3.1 ms, …, total 41.7 ms". Cheap enough to run always; the
/// line is only built when a trace sink is set.
struct PhaseClock {
    private let first: UInt64
    private var last: UInt64
    private var phases: [(String, UInt64)] = []

    init() {
        first = Self.now()
        last = first
    }

    /// Ends the phase running since the last mark (or the start).
    mutating func mark(_ phase: String) {
        let now = Self.now()
        phases.append((phase, now - last))
        last = now
    }

    func line(_ operation: String) -> String {
        "\(operation): " + (phases.map { "\($0.0) \(Self.ms($0.1))" } + ["total \(Self.ms(last - first))"]).joined(separator: ", ")
    }

    static func ms(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
