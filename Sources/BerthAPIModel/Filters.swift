import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// docker's `filters` query parameter: a map from a filter name to the values
/// it accepts. Decodes both wire forms moby's `filters.FromJSON` accepts: the
/// current `{"label":["a=b"]}` and the legacy `{"label":{"a=b":true}}`.
public struct Filters: Sendable, Equatable {
    /// Filter name → accepted values. A name with several values matches any.
    public private(set) var fields: [String: Set<String>]

    public init(_ fields: [String: Set<String>] = [:]) {
        self.fields = fields
    }

    /// Parses the raw query value; empty means no filters (as moby's FromJSON).
    public init(json: String) throws {
        if json.allSatisfy({ $0 == " " }) {
            self.init()
            return
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else {
            throw BerthError.invalidArgument("invalid filter: filters must be a JSON object, got '\(json)'")
        }
        var fields: [String: Set<String>] = [:]
        for (name, value) in object {
            switch value {
            case .array(let list):
                fields[name] = Set(try list.map { item in
                    guard case .string(let string) = item else {
                        throw BerthError.invalidArgument("invalid filter '\(name)': values must be strings")
                    }
                    return string
                })
            case .object(let map):
                // Legacy form: only values mapped to true are set.
                fields[name] = Set(map.compactMap { key, enabled in enabled == .bool(false) ? nil : key })
            default:
                throw BerthError.invalidArgument("invalid filter '\(name)': expected a list or a map of values")
            }
        }
        self.init(fields)
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// The values given for `name`, sorted for stable behaviour.
    public func values(_ name: String) -> [String] {
        (fields[name] ?? []).sorted()
    }

    public func contains(_ name: String) -> Bool { fields[name] != nil }

    /// True when `name` is not filtered, or one of its values equals `value`
    /// (moby's `ExactMatch`).
    public func exactMatch(_ name: String, _ value: String) -> Bool {
        guard let accepted = fields[name], !accepted.isEmpty else { return true }
        return accepted.contains(value)
    }

    /// Label filters (`label=key` or `label=key=value`) against a label map
    /// (moby's `MatchKVList`).
    public func matchLabels(_ labels: [String: String], filter name: String = "label") -> Bool {
        guard let accepted = fields[name], !accepted.isEmpty else { return true }
        return accepted.allSatisfy { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = labels[parts[0]] else { return false }
            return parts.count == 1 || value == parts[1]
        }
    }

    /// Rejects filter names a route does not know, as moby's `Validate`:
    /// "invalid filter 'foo'".
    public func validate(allowed: Set<String>) throws {
        for name in fields.keys.sorted() where !allowed.contains(name) {
            throw BerthError.invalidArgument("invalid filter '\(name)'")
        }
    }

    /// The current wire form, `{"name":["value",...]}`.
    public func json() -> String {
        var object: [String: [String]] = [:]
        for (name, values) in fields { object[name] = values.sorted() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
