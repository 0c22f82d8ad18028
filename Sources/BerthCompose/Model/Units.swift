/// A length of time as compose writes it: Go's `time.ParseDuration` syntax
/// (`1m30s`, `1.5h`, `300ms`), held in nanoseconds.
public struct Duration: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static func seconds(_ s: Int64) -> Duration { Duration(nanoseconds: s * 1_000_000_000) }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Parses Go's duration syntax; nil when it is not one. Like Go, a bare
    /// number other than 0 lacks a unit and is refused.
    public init?(parsing text: String) {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s = s.dropFirst() }
        if s == "0" { self.nanoseconds = 0; return }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unitText = s.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            guard let unit = Self.units.first(where: { $0.0 == unitText }) else { return nil }
            s = s.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total < 9.2e18 else { return nil }
        self.nanoseconds = Int64(total.rounded()) * (negative ? -1 : 1)
    }

    /// Go's `Duration.String()`: `1h0m0s`, `1m30s`, `1.5s`, `300ms`.
    public var description: String {
        var n = nanoseconds
        let sign = n < 0 ? "-" : ""
        n = n.magnitude > Int64.max.magnitude ? Int64.max : abs(n)
        if n == 0 { return "0s" }
        if n < 1_000_000_000 {
            let (unit, scale): (String, Int64) = n < 1000 ? ("ns", 1) : n < 1_000_000 ? ("µs", 1000) : ("ms", 1_000_000)
            return sign + Self.decimal(n, scale) + unit
        }
        let hours = n / 3_600_000_000_000
        let minutes = (n / 60_000_000_000) % 60
        let rest = n % 60_000_000_000
        var out = sign
        if hours > 0 { out += "\(hours)h" }
        if hours > 0 || minutes > 0 { out += "\(minutes)m" }
        return out + Self.decimal(rest, 1_000_000_000) + "s"
    }

    /// `value / scale` with the fraction's trailing zeros dropped.
    private static func decimal(_ value: Int64, _ scale: Int64) -> String {
        let whole = value / scale
        var frac = value % scale
        guard frac != 0 else { return "\(whole)" }
        var digits = String(scale).count - 1
        while frac % 10 == 0 { frac /= 10; digits -= 1 }
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: digits - f.count) + f
    }
}

/// Byte sizes as compose reads them (docker/go-units RAMInBytes): a plain
/// number of bytes, or a number with b, k, m, g, t, p (optionally followed
/// by "b" or "ib"), all binary multiples: `512m`, `1g`, `1.5GB`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text.lowercased())
        while s.last == " " { s = s.dropLast() }
        let number = s.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
        guard !number.isEmpty, let value = Double(number), value >= 0 else { return nil }
        var unit = s.dropFirst(number.count)
        if unit.first == " " { unit = unit.dropFirst() }
        let multipliers: [String: Double] = ["": 1, "b": 1, "k": 0x1p10, "m": 0x1p20, "g": 0x1p30, "t": 0x1p40, "p": 0x1p50]
        var prefix = unit
        if prefix.hasSuffix("ib") { prefix = prefix.dropLast(2) } else if prefix.hasSuffix("b") && prefix.count == 2 { prefix = prefix.dropLast() }
        guard let m = multipliers[String(prefix)] else { return nil }
        let bytes = value * m
        guard bytes < 9.2e18 else { return nil }
        return Int64(bytes)
    }
}
