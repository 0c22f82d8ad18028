import BerthSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Host ends of veth pairs whose container ends went with their network
/// namespace. Deleting a veth over netlink waits for RCU grace periods
/// (35 ms here with `ip link del`); deleting the namespace file instead lets
/// the kernel remove both ends in its own worker once the last process in
/// the namespace is gone. The reaper deletes, after `grace`, any host end
/// that is still there (something still held the namespace), and `drain`
/// waits for all of them (daemon shutdown: no link outlives the daemon).
public final class LinkReaper: @unchecked Sendable {
    private let lock = Lock()
    private var pending: [(name: String, since: UInt64)] = []
    private var running = false
    private let grace: UInt64

    public init(graceMilliseconds: UInt64 = 2000) {
        grace = graceMilliseconds * 1_000_000
    }

    /// The host ends to watch; the namespace holding their peers is being deleted.
    public func retire(_ names: [String]) {
        guard !names.isEmpty else { return }
        lock.withLock {
            let now = Self.now()
            pending += names.map { ($0, now) }
            if !running {
                running = true
                BlockingThread.start { [self] in loop() }
            }
        }
    }

    /// Waits until every retired link is gone (deleting the late ones now).
    public func drain() {
        lock.withLock { for i in pending.indices { pending[i].since = 0 } }
        while lock.withLock({ running }) { usleep(10_000) }
    }

    /// The names still waiting (tests).
    public var waiting: [String] { lock.withLock { pending.map(\.name) } }

    private func loop() {
        while true {
            let batch = lock.withLock { pending }
            var gone: Set<String> = []
            for link in batch {
                if if_nametoindex(link.name) == 0 {
                    gone.insert(link.name)
                } else if Self.now() &- link.since >= grace {
                    _ = try? RouteNetlink().deleteLink(name: link.name)
                    gone.insert(link.name)
                }
            }
            let finished: Bool = lock.withLock {
                pending.removeAll { gone.contains($0.name) }
                if pending.isEmpty { running = false }
                return pending.isEmpty
            }
            if finished { return }
            usleep(20_000)
        }
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
