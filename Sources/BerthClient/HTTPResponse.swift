import BerthSystem

/// A response read from a `Connection`: status, headers, and a body read as
/// it arrives (Content-Length, chunked, or until the daemon closes).
public final class Response {
    public let status: Int
    /// Header names lowercased.
    public let headers: [String: String]
    let connection: Connection
    private enum Framing { case length(Int), chunked(remaining: Int), untilClose, done }
    private var framing: Framing

    init(reading connection: Connection, isHead: Bool = false) throws {
        self.connection = connection
        guard let statusLine = try connection.readLine() else {
            throw BerthError.unavailable("the daemon closed the connection without a response")
        }
        let parts = String(decoding: statusLine, as: UTF8.self).split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw BerthError.unavailable("not an HTTP response from the daemon: \(String(decoding: statusLine.prefix(80), as: UTF8.self))")
        }
        var headers: [String: String] = [:]
        while let line = try connection.readLine(), !line.isEmpty {
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            headers[text[..<colon].lowercased()] = text[text.index(after: colon)...].trimmingSpaces
        }
        self.status = status
        self.headers = headers
        if status == 101 {
            framing = .untilClose
        } else if isHead || status == 204 || status == 304 || status < 200 {
            framing = .done
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            framing = .chunked(remaining: 0)
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            framing = length == 0 ? .done : .length(length)
        } else {
            framing = .untilClose
        }
    }

    /// A header's value (case-insensitive name).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The next bytes of the body, at most `max`; empty at its end.
    public func read(max: Int = 65536) throws -> [UInt8] {
        switch framing {
        case .done: return []
        case .untilClose:
            let bytes = try connection.read(max: max)
            if bytes.isEmpty { framing = .done }
            return bytes
        case .length(let left):
            let bytes = try connection.read(max: min(max, left))
            guard !bytes.isEmpty else { throw BerthError.unavailable("the daemon closed the connection in the middle of a response") }
            framing = left == bytes.count ? .done : .length(left - bytes.count)
            return bytes
        case .chunked(var remaining):
            if remaining == 0 {
                guard let line = try connection.readLine() else {
                    throw BerthError.unavailable("the daemon closed the connection in the middle of a response")
                }
                let sizeText = String(decoding: line, as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16) else {
                    throw BerthError.unavailable("bad chunk size from the daemon: \(sizeText)")
                }
                if size == 0 {
                    while let trailer = try connection.readLine(), !trailer.isEmpty {}
                    framing = .done
                    return []
                }
                remaining = size
            }
            let bytes = try connection.read(max: min(max, remaining))
            guard !bytes.isEmpty else { throw BerthError.unavailable("the daemon closed the connection in the middle of a response") }
            remaining -= bytes.count
            if remaining == 0 { _ = try connection.readLine() }  // the CRLF after the chunk
            framing = .chunked(remaining: remaining)
            return bytes
        }
    }

    /// The whole body.
    public func readAll() throws -> [UInt8] {
        var all: [UInt8] = []
        while case let chunk = try read(), !chunk.isEmpty { all += chunk }
        return all
    }

    private var lineBuffer: [UInt8] = []

    /// The next line of the body (JSON lines streams), without its newline; nil at the end.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let index = lineBuffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(lineBuffer[..<index])
                lineBuffer.removeFirst(index + 1)
                return line
            }
            let chunk = try read()
            if chunk.isEmpty {
                guard !lineBuffer.isEmpty else { return nil }
                defer { lineBuffer.removeAll() }
                return lineBuffer
            }
            lineBuffer += chunk
        }
    }

    /// Exactly `count` body bytes, or fewer at its end.
    func read(exactly count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk = try read(max: count - bytes.count)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
