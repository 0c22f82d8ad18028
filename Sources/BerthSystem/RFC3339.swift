#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBerth

/// RFC 3339 times in UTC with nanoseconds ("2024-05-01T10:00:00.123456789Z"),
/// as docker and runc write them: gmtime_r and a few digits, not
/// FoundationEssentials' ISO8601FormatStyle, whose first use in a process
/// costs ~1 ms of type lookups (`berth runtime create` writes one time).
public enum RFC3339 {
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    public static func format(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(30)
        func digits(_ value: Int, _ width: Int) {
            var v = value, buffer = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            for i in stride(from: width - 1, through: 0, by: -1) { buffer[i] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 }
            out += buffer
        }
        digits(Int(parts.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(max(0, min(nanoseconds, 999_999_999)), 9); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
