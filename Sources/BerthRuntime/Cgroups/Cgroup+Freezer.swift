#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem

extension Cgroup {
    /// The v1 freezer directory; nil on v2 and where freezer is not mounted
    /// (then the cgroup2 directory's cgroup.freeze is used, kernel ≥ 5.2,
    /// which works without any controller — the hybrid layout's fallback).
    private var v1Freezer: String? { host.layout == .unified ? nil : paths["freezer"] }

    /// Freezes every process in the cgroup (`pause`); returns once they are.
    public func freeze() throws {
        if let dir = v1Freezer { return try freezeV1(dir) }
        guard let dir = paths[""] else { throw BerthError.unavailable("cgroup \(primaryPath): no freezer (v1 freezer not mounted, no cgroup2)") }
        try setV2Frozen(dir, true)
    }

    /// Lets the processes run again (`resume`).
    public func thaw() throws {
        if let dir = v1Freezer {
            do { try files.write(dir, "freezer.state", "THAWED") } catch let e as SystemError {
                throw BerthError(e, while: "thawing cgroup \(dir)")
            }
            return
        }
        guard let dir = paths[""] else { throw BerthError.unavailable("cgroup \(primaryPath): no freezer") }
        try setV2Frozen(dir, false)
    }

    public var isFrozen: Bool {
        if let dir = v1Freezer { return files.readIfPresent(dir, "freezer.state") == "FROZEN" }
        guard let dir = paths[""] else { return false }
        if let events = files.readIfPresent(dir, "cgroup.events") {
            return events.split(separator: "\n").contains("frozen 1")
        }
        return files.readIfPresent(dir, "cgroup.freeze") == "1"
    }

    /// v1 can sit in FREEZING while processes keep forking: write FROZEN
    /// until it sticks, thawing briefly now and then, and give up thawed
    /// (runc's fs freezer loop).
    private func freezeV1(_ dir: String) throws {
        do {
            for i in 0..<1000 {
                if i % 50 == 49 { try files.write(dir, "freezer.state", "THAWED"); usleep(10_000) }
                try files.write(dir, "freezer.state", "FROZEN")
                if i % 25 == 24 { usleep(100) }
                let state = try files.read(dir, "freezer.state").cgroupTrimmed
                switch state {
                case "FROZEN": return
                case "FREEZING": if i > 100 { usleep(1000) }
                default: throw BerthError.internalError("cgroup \(dir): freezer.state is \(state) after writing FROZEN")
                }
            }
        } catch let e as SystemError {
            throw BerthError(e, while: "freezing cgroup \(dir)")
        }
        try? files.write(dir, "freezer.state", "THAWED")
        throw BerthError.unavailable("cgroup \(dir): processes did not freeze (stuck in FREEZING); left thawed")
    }

    /// cgroup.freeze, then wait for cgroup.events to report it (up to 10 s, as runc).
    private func setV2Frozen(_ dir: String, _ frozen: Bool) throws {
        let want = frozen ? "frozen 1" : "frozen 0"
        do {
            try files.write(dir, "cgroup.freeze", frozen ? "1" : "0")
            for _ in 0..<1000 {
                let events = try files.read(dir, "cgroup.events")
                if events.split(separator: "\n").contains(Substring(want)) { return }
                usleep(10_000)
            }
        } catch let e as SystemError {
            throw BerthError(e, while: frozen ? "freezing cgroup \(dir)" : "thawing cgroup \(dir)")
        }
        if frozen { try? files.write(dir, "cgroup.freeze", "0") }
        throw BerthError.unavailable("cgroup \(dir): did not \(frozen ? "freeze" : "thaw") within 10 s")
    }

    /// Sends `signal` to every process in the cgroup. SIGKILL goes through
    /// cgroup.kill where the kernel has it (5.14+, also on the hybrid
    /// layout's cgroup2 directory): it reaches processes forked meanwhile;
    /// a cgroup paused by the v1 freezer is thawed so they can die.
    /// Otherwise the cgroup is frozen while the signal goes out, so nothing
    /// escapes by forking (runc's signalAllProcesses); a paused cgroup stays
    /// paused, unless the signal is SIGKILL, which needs the processes thawed to die.
    public func killAll(signal: Int32) throws {
        if signal == SIGKILL, let dir = paths[""], files.exists(dir, "cgroup.kill") {
            do { try files.write(dir, "cgroup.kill", "1") } catch let e as SystemError {
                throw BerthError(e, while: "killing the processes of cgroup \(dir)")
            }
            // Tasks frozen by the v1 freezer (hybrid) only die once thawed.
            if v1Freezer != nil && isFrozen { try thaw() }
            return
        }
        let wasFrozen = isFrozen
        let froze = wasFrozen || (try? freeze()) != nil
        defer { if froze && (!wasFrozen || signal == SIGKILL) { try? thaw() } }
        for pid in try processes() {
            if kill(pid, signal) != 0 && errno != ESRCH {
                throw BerthError(SystemError("kill(\(pid), \(signal))", errno: errno), while: "signalling the processes of cgroup \(primaryPath)")
            }
        }
    }
}
