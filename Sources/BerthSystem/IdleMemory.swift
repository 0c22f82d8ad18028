#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBerth

/// What a long-running process (the daemon) gives back once it is idle.
///
/// Its resident set is mostly pages it does not own: the code of the binary
/// and of libc it once ran (25 MB of berth's text after a few `docker run`s),
/// clean pages of files, shared with every other berth process and kept in
/// the page cache either way. Unmapping them (`MADV_DONTNEED` on a private
/// mapping that holds no copied-on-write page) costs nothing but a minor
/// fault per page when the code runs again; the data stays cached. The
/// heap's free memory goes back with `malloc_trim`. Nothing a process wrote
/// is touched: a mapping with an anonymous (written or relocated) page, or a
/// writable one, is left as it is.
public enum IdleMemory {
    private static let lock = Lock()
    nonisolated(unsafe) private static var lastActive = monotonicSeconds()

    /// Marks the process busy (an API request began): the idle time counts
    /// from here.
    public static func noteActivity() {
        let now = monotonicSeconds()
        lock.withLock { lastActive = now }
    }

    /// Starts a thread that calls `trim()` once `idleSeconds` have passed
    /// without `noteActivity()`, and again after each later busy spell.
    public static func startTrimmer(idleSeconds: Int = 10) {
        BlockingThread.start(stackSize: 256 << 10) {
            var trimmedAfter = -1
            while true {
                sleep(1)
                let last = lock.withLock { lastActive }
                if monotonicSeconds() - last >= idleSeconds && trimmedAfter != last {
                    _ = trim()
                    trimmedAfter = last
                }
            }
        }
    }

    private static func monotonicSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec)
    }

    /// Returns free heap memory and unmaps the clean read-only file pages of
    /// this process (see above). Returns the resident bytes of the mappings it
    /// dropped.
    @discardableResult
    public static func trim() -> Int {
        berth_malloc_trim()
        guard let smaps = try? ProcFile.read("/proc/self/smaps") else { return 0 }
        var dropped = 0
        for mapping in Mapping.parse(smaps) where mapping.cleanFilePages {
            if madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), mapping.end - mapping.start, MADV_DONTNEED) == 0 {
                dropped += mapping.rssKiB * 1024
            }
        }
        return dropped
    }

    /// One entry of /proc/self/smaps.
    struct Mapping: Equatable {
        var start = 0, end = 0
        var permissions = ""
        var path = ""
        var rssKiB = 0
        var anonymousKiB = 0
        var locked = false

        /// Read-only, backed by a file, not locked, no page of its own: safe to unmap.
        var cleanFilePages: Bool {
            rssKiB > 0 && anonymousKiB == 0 && !locked && path.hasPrefix("/")
                && permissions.count >= 4 && !permissions.contains("w") && permissions.hasSuffix("p")
        }

        static func parse(_ text: String) -> [Mapping] {
            var out: [Mapping] = []
            var current: Mapping?
            for line in text.split(separator: "\n") {
                if let first = line.first, first.isHexDigit, let dash = line.firstIndex(of: "-"),
                   let space = line.firstIndex(of: " "), dash < space {
                    if let c = current { out.append(c) }
                    var m = Mapping()
                    m.start = Int(line[..<dash], radix: 16) ?? 0
                    m.end = Int(line[line.index(after: dash)..<space], radix: 16) ?? 0
                    let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                    m.permissions = fields.count > 1 ? String(fields[1]) : ""
                    m.path = fields.count > 5 ? String(fields[5]).trimmingWhitespace() : ""
                    current = m
                } else if line.hasPrefix("Rss:") {
                    current?.rssKiB = kib(line)
                } else if line.hasPrefix("Anonymous:") {
                    current?.anonymousKiB = kib(line)
                } else if line.hasPrefix("VmFlags:") {
                    current?.locked = line.split(separator: " ").contains("lo")
                }
            }
            if let c = current { out.append(c) }
            return out
        }

        private static func kib(_ line: Substring) -> Int {
            Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
    }
}
