import CSQLite

/// A value bound to or read from an SQLite statement.
public enum SQLiteValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }

    /// `.text` or `.null`, for optional columns.
    public static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    /// `.integer` or `.null`, for optional columns.
    public static func integer(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    public static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
}

/// One row of a result, read by column index (0-based) while the statement
/// is positioned on it. Only valid inside the closure it is passed to.
public struct SQLiteRow {
    let statement: OpaquePointer

    public var count: Int { Int(sqlite3_column_count(statement)) }

    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL
    }

    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(statement, Int32(index)) }
    public func int(_ index: Int) -> Int { Int(int64(index)) }
    public func double(_ index: Int) -> Double { sqlite3_column_double(statement, Int32(index)) }
    public func bool(_ index: Int) -> Bool { int64(index) != 0 }

    public func string(_ index: Int) -> String {
        guard let text = sqlite3_column_text(statement, Int32(index)) else { return "" }
        let length = Int(sqlite3_column_bytes(statement, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
    }

    public func optionalString(_ index: Int) -> String? { isNull(index) ? nil : string(index) }
    public func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }

    public func blob(_ index: Int) -> [UInt8] {
        let length = Int(sqlite3_column_bytes(statement, Int32(index)))
        guard length > 0, let bytes = sqlite3_column_blob(statement, Int32(index)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    public func value(_ index: Int) -> SQLiteValue {
        switch sqlite3_column_type(statement, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index))
        case SQLITE_BLOB: return .blob(blob(index))
        default: return .null
        }
    }
}
