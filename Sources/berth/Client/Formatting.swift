#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// docker's go-units HumanSizeWithPrecision(size, 3): decimal units, three
/// significant digits ("4.26MB", "106MB", "512B").
func humanSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return threeDigits(value) + units[unit]
}

/// docker's BytesSize for stats ("1.5MiB"): binary units.
func binarySize(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return threeDigits(value) + units[unit]
}

/// %.3g without Foundation's locale-aware String(format:) (no ICU in berth).
func threeDigits(_ value: Double) -> String {
    let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * Double(scale)).rounded())
    var text = String(scaled / scale)
    var fraction = String(scaled % scale)
    if digits > 0 {
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if !fraction.isEmpty { text += "." + fraction }
    }
    return text
}

/// A fixed two-decimal figure ("12.34"), for percentages.
func twoDecimals(_ value: Double) -> String {
    let scaled = Int((value * 100).rounded())
    let fraction = String(abs(scaled) % 100)
    return String(scaled / 100) + "." + String(repeating: "0", count: 2 - fraction.count) + fraction
}

/// docker's go-units HumanDuration, as in "2 years ago".
func humanDuration(_ seconds: Double) -> String {
    let s = Int(seconds)
    if s < 1 { return "Less than a second" }
    if s == 1 { return "1 second" }
    if s < 60 { return "\(s) seconds" }
    let minutes = Int((seconds / 60).rounded(.down))
    if minutes == 1 { return "About a minute" }
    if minutes < 60 { return "\(minutes) minutes" }
    let hours = Int((seconds / 3600).rounded())
    if hours == 1 { return "About an hour" }
    if hours < 48 { return "\(hours) hours" }
    if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
    if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
    if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
    return "\(hours / 24 / 365) years"
}

/// Seconds since the epoch, now.
func nowUnix() -> Double { Date().timeIntervalSince1970 }

/// "N units ago" for a Unix time, or "N/A" for none (docker's zero time).
func createdAgo(_ unix: Int64) -> String {
    unix <= 0 ? "N/A" : humanDuration(nowUnix() - Double(unix)) + " ago"
}

/// A Unix time as RFC 3339 in UTC ("2024-01-01 00:00:00 +0000 UTC", docker's CreatedAt).
func unixDateText(_ unix: Int64) -> String {
    let days = unix >= 0 ? unix / 86400 : (unix - 86399) / 86400
    let secondsOfDay = unix - days * 86400
    // Howard Hinnant's civil_from_days.
    let z = days + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(year)-\(two(month))-\(two(day)) \(two(secondsOfDay / 3600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60)) +0000 UTC"
}

/// Seconds since the epoch of an RFC 3339 time ("2024-01-01T00:00:00.123Z", "…+02:00"); nil if it is not one.
func parseRFC3339(_ text: String) -> Double? {
    let chars = Array(text.utf8)
    func number(_ from: Int, _ count: Int) -> Int64? {
        guard from + count <= chars.count else { return nil }
        var value: Int64 = 0
        for c in chars[from..<from + count] {
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int64(c - 48)
        }
        return value
    }
    guard chars.count >= 20, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
          let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
    var index = 19
    var fraction = 0.0
    if index < chars.count, chars[index] == UInt8(ascii: ".") {
        index += 1
        var scale = 0.1
        while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
            fraction += Double(chars[index] - 48) * scale
            scale /= 10
            index += 1
        }
    }
    var offset: Int64 = 0
    if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
        guard let h = number(index + 1, 2), let m = number(index + 4, 2) else { return nil }
        offset = (h * 3600 + m * 60) * (chars[index] == UInt8(ascii: "-") ? -1 : 1)
    }
    // Days from civil (Howard Hinnant).
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    return Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
}

/// docker's `--since`/`--until` values: a Unix time, an RFC 3339 time, or a
/// duration before now ("10m", "1h30m") — the API takes Unix seconds.
func timestampArgument(_ text: String) throws -> String {
    if Double(text) != nil { return text }
    if let seconds = parseRFC3339(text) { return String(Int64(seconds)) }
    let nanos = try parseDuration(text, flag: "--since/--until")
    return String(Int64(nowUnix()) - nanos / 1_000_000_000)
}
