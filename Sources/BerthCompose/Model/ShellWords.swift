import BerthSystem

/// Splits a command string into words as compose does for `command:` and
/// `entrypoint:` strings (mattn/go-shellwords without variable expansion):
/// blanks separate words, single quotes are literal, double quotes allow
/// `\"` and `\\`, a backslash outside quotes escapes the next character.
public enum ShellWords {
    public static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                if quote == "\"" && c != "\"" && c != "\\" && c != "$" && c != "`" { current.append("\\") }
                current.append(c)
                escaped = false
                inWord = true
                continue
            }
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(c)
                }
                continue
            }
            switch c {
            case "\\":
                escaped = true
            case "'", "\"":
                quote = c
                inWord = true
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            default:
                current.append(c)
                inWord = true
            }
        }
        if quote != nil { throw BerthError.invalidArgument("unterminated quote in \"\(text)\"") }
        if escaped { current.append("\\"); inWord = true }
        if inWord { words.append(current) }
        return words
    }
}
