import BerthAPIModel
import BerthClient
#if canImport(Glibc)
import Glibc
#endif

/// Prints a JSON-messages stream as docker's jsonmessage does: on a terminal,
/// one line per layer ID redrawn in place with a progress bar; otherwise one
/// line per status, byte counters left out.
struct ProgressDisplay {
    let fd: Int32
    let terminal: Bool
    private var lines: [String] = []  // IDs in the order their lines were printed

    init(fd: Int32) {
        self.fd = fd
        terminal = isatty(fd) == 1
    }

    mutating func show(_ message: JSONMessage) {
        if let stream = message.stream { writeAll(fd, Array(stream.utf8)); return }
        let hasProgress = message.progressDetail?.total.map { $0 > 0 } ?? false
        if !terminal && hasProgress { return }
        var text = ""
        if let id = message.id { text += id + ": " }
        text += message.status ?? ""
        if terminal, hasProgress, let detail = message.progressDetail {
            text += " " + Self.bar(current: Int64(detail.current ?? 0), total: Int64(detail.total ?? 0))
        }
        guard terminal, let id = message.id else {
            writeAll(fd, Array((text + "\n").utf8))
            return
        }
        if let index = lines.lastIndex(of: id) {
            let up = lines.count - index
            writeAll(fd, Array("\u{1B}[\(up)A\r\u{1B}[2K\(text)\u{1B}[\(up)B\r".utf8))
        } else {
            lines.append(id)
            writeAll(fd, Array((text + "\n").utf8))
        }
    }

    /// docker's JSONProgress bar: `[=====>      ]  1.2MB/4.5MB`.
    static func bar(current: Int64, total: Int64) -> String {
        let width = 50
        let filled = total > 0 ? min(width, Int(Double(current) / Double(total) * Double(width))) : 0
        let arrow = filled < width ? ">" : ""
        let bar = String(repeating: "=", count: max(0, filled - (arrow.isEmpty ? 0 : 1))) + arrow
        return "[" + bar + String(repeating: " ", count: width - bar.count) + "] " + humanSize(current) + "/" + humanSize(total)
    }
}

/// Pulls an image, showing progress on `fd` (stdout for pull, stderr for run).
func pullImage(_ client: EngineClient, _ reference: String, platform: String? = nil, to fd: Int32, quiet: Bool = false) throws {
    let response = try client.imagePull(reference, platform: platform, auth: try credentials(for: reference))
    var display = ProgressDisplay(fd: fd)
    try response.forEachMessage { if !quiet { display.show($0) } }
}
