import Foundation

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
    // %.3g without Foundation's locale-aware String(format:) (no ICU in berth).
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
    return text + units[unit]
}

/// docker's go-units HumanDuration, as in "2 years ago".
func humanDuration(_ seconds: TimeInterval) -> String {
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

/// "N units ago" for a Unix time, or "N/A" for none (docker's zero time).
func createdAgo(_ unix: Int64) -> String {
    unix <= 0 ? "N/A" : humanDuration(Date().timeIntervalSince1970 - Double(unix)) + " ago"
}

/// Columns padded as docker's tabwriter (minwidth 0, padding 3).
func printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    var widths = [Int](repeating: 0, count: first.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    for row in rows {
        var line = ""
        for (i, cell) in row.enumerated() {
            line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] + 3 - cell.count)
        }
        print(line)
    }
}
