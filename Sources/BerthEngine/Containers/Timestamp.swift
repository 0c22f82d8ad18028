#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BerthSystem

/// RFC 3339 times as docker writes them (nanoseconds, "Z"), without
/// DateFormatter (no ICU in berth): BerthSystem's `RFC3339` writes them,
/// `Date.ISO8601FormatStyle` parses the whole seconds.
enum Timestamp {
    /// Now, with nanoseconds: "2024-05-01T10:00:00.123456789Z".
    static func now() -> String { format(Date()) }

    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        return RFC3339.format(seconds: Int(seconds), nanoseconds: Int((date.timeIntervalSince1970 - seconds) * 1e9))
    }

    /// Parses "…T…(.fraction)?(Z|±hh:mm)".
    static func parse(_ text: String) -> Date? {
        guard let seconds = unixSeconds(text) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Unix seconds with fraction.
    static func unixSeconds(_ text: String) -> Double? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let rest = text[text.index(after: dot)...]
            let digits = rest.prefix { $0.isNumber }
            fraction = Double("0." + digits) ?? 0
            whole = String(text[..<dot]) + rest.dropFirst(digits.count)
        }
        guard let date = try? Date(whole, strategy: Date.ISO8601FormatStyle()) else { return nil }
        return date.timeIntervalSince1970 + fraction
    }

    static func unixSeconds(of date: String) -> Int64 {
        Int64(unixSeconds(date) ?? 0)
    }
}
