import BerthSystem

/// The key sequence that detaches a client from a container's stdin
/// (`docker attach`, `docker run -it`: ctrl-p ctrl-q unless `--detach-keys`
/// says otherwise), in docker's syntax: comma-separated keys, each a single
/// character or `ctrl-<x>` with x one of a–z, @, [, \, ], ^, _.
struct DetachKeys: Equatable {
    let sequence: [UInt8]

    static let standard = DetachKeys(sequence: [16, 17])

    init(sequence: [UInt8]) { self.sequence = sequence }

    /// nil or "" means docker's default, ctrl-p,ctrl-q.
    init(_ text: String?) throws {
        guard let text, !text.isEmpty else {
            self = .standard
            return
        }
        var bytes: [UInt8] = []
        for key in text.split(separator: ",", omittingEmptySubsequences: false) {
            let k = Array(key.utf8)
            if k.count == 1 {
                bytes.append(k[0])
            } else if k.count == 6, key.lowercased().hasPrefix("ctrl-") {
                let c = k[5]
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(c - UInt8(ascii: "a") + 1)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(c - UInt8(ascii: "A") + 1)
                case UInt8(ascii: "@"): bytes.append(0)
                case UInt8(ascii: "["), UInt8(ascii: "\\"), UInt8(ascii: "]"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                    bytes.append(c - UInt8(ascii: "[") + 27)
                default: throw BerthError.invalidArgument("Invalid detach keys (\(text)) provided: unknown key '\(key)'")
                }
            } else {
                throw BerthError.invalidArgument("Invalid detach keys (\(text)) provided: unknown key '\(key)'")
            }
        }
        sequence = bytes
    }
}

/// Watches a client's stdin for the detach sequence, as moby's escape
/// proxy: bytes that may begin the sequence are held back until the next
/// chunk tells; bytes before a complete sequence are passed on, the
/// sequence itself never is.
struct DetachScanner {
    let keys: DetachKeys
    private var held: [UInt8] = []

    init(_ keys: DetachKeys) { self.keys = keys }

    /// What to pass on from `chunk`, and whether the sequence was typed.
    mutating func feed(_ chunk: [UInt8]) -> (forward: [UInt8], detach: Bool) {
        let seq = keys.sequence
        guard !seq.isEmpty else { return (chunk, false) }
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count)
        for byte in chunk {
            if byte == seq[held.count] {
                held.append(byte)
                if held.count == seq.count { return (out, true) }
            } else {
                out += held
                held.removeAll()
                if byte == seq[0] { held.append(byte) } else { out.append(byte) }
            }
        }
        return (out, false)
    }
}

/// Set once by the stdin side of an attach when the detach keys came.
final class DetachFlag: @unchecked Sendable {
    private let lock = Lock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
