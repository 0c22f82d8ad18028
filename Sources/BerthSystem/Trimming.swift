/// Trimming without Foundation's CharacterSet (which is not in
/// FoundationEssentials).
extension StringProtocol {
    /// Without leading and trailing whitespace and newlines (as
    /// `.whitespacesAndNewlines`); `newlines: false` keeps line breaks (as
    /// `.whitespaces`).
    public func trimmingWhitespace(newlines: Bool = true) -> String {
        trimming(where: { $0.isWhitespace && (newlines || !$0.isNewline) })
    }

    /// Without leading and trailing characters in `characters`.
    public func trimming(_ characters: Set<Character>) -> String {
        trimming(where: { characters.contains($0) })
    }

    private func trimming(where remove: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !remove($0) }), let last = lastIndex(where: { !remove($0) }) else { return "" }
        return String(self[first...last])
    }
}
