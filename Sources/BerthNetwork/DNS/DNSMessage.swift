import BerthSystem

/// A DNS message (RFC 1035 §4): header, questions and resource records.
/// Decoding follows compression pointers (upstream answers use them);
/// encoding never compresses (berth's answers are small).
public struct DNSMessage: Equatable, Sendable {
    public struct Question: Equatable, Sendable {
        public var name: String
        public var type: UInt16
        public var klass: UInt16 = 1
        public init(name: String, type: UInt16, klass: UInt16 = 1) {
            self.name = name
            self.type = type
            self.klass = klass
        }
    }

    public struct Record: Equatable, Sendable {
        public var name: String
        public var type: UInt16
        public var klass: UInt16 = 1
        public var ttl: UInt32
        public var data: [UInt8]
        public init(name: String, type: UInt16, klass: UInt16 = 1, ttl: UInt32, data: [UInt8]) {
            self.name = name
            self.type = type
            self.klass = klass
            self.ttl = ttl
            self.data = data
        }
    }

    public static let typeA: UInt16 = 1
    public static let typePTR: UInt16 = 12
    public static let typeAAAA: UInt16 = 28

    public static let rcodeNoError: UInt16 = 0
    public static let rcodeServFail: UInt16 = 2
    public static let rcodeNXDomain: UInt16 = 3

    public var id: UInt16
    /// QR, opcode, AA, TC, RD, RA, Z and RCODE, as on the wire.
    public var flags: UInt16
    public var questions: [Question] = []
    public var answers: [Record] = []
    public var authority: [Record] = []
    public var additional: [Record] = []

    public init(id: UInt16, flags: UInt16, questions: [Question] = [], answers: [Record] = []) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
    }

    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: UInt16 { flags >> 11 & 0xf }
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    public var rcode: UInt16 { flags & 0xf }

    /// An answer to `query`: same id and question, QR and RA set, RD copied.
    public static func response(to query: DNSMessage, rcode: UInt16, answers: [Record] = [],
                                authoritative: Bool = true) -> DNSMessage {
        var flags: UInt16 = 0x8000 | 0x0080 | (query.flags & 0x0100) | (query.opcode << 11) | rcode
        if authoritative { flags |= 0x0400 }
        return DNSMessage(id: query.id, flags: flags, questions: query.questions, answers: answers)
    }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        for v in [id, flags, UInt16(questions.count), UInt16(answers.count), UInt16(authority.count),
                  UInt16(additional.count)] { out += be16(v) }
        for q in questions { out += DNSMessage.encodeName(q.name) + be16(q.type) + be16(q.klass) }
        for r in answers + authority + additional {
            out += DNSMessage.encodeName(r.name) + be16(r.type) + be16(r.klass) + be32(r.ttl)
            out += be16(UInt16(r.data.count)) + r.data
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> DNSMessage {
        var reader = Reader(bytes: bytes)
        let id = try reader.u16(), flags = try reader.u16()
        let counts = try (0..<4).map { _ in Int(try reader.u16()) }
        var message = DNSMessage(id: id, flags: flags)
        for _ in 0..<counts[0] {
            message.questions.append(Question(name: try reader.name(), type: try reader.u16(), klass: try reader.u16()))
        }
        func records(_ n: Int) throws -> [Record] {
            try (0..<n).map { _ in
                let name = try reader.name(), type = try reader.u16(), klass = try reader.u16(), ttl = try reader.u32()
                let length = Int(try reader.u16())
                return Record(name: name, type: type, klass: klass, ttl: ttl, data: try reader.take(length))
            }
        }
        message.answers = try records(counts[1])
        message.authority = try records(counts[2])
        message.additional = try records(counts[3])
        return message
    }

    /// "web.example." or "web.example" → length-prefixed labels.
    static func encodeName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        return out + [0]
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ n: Int) throws -> [UInt8] {
            guard n >= 0, offset + n <= bytes.count else { throw DNSMessage.malformed("message ends early at byte \(offset)") }
            defer { offset += n }
            return Array(bytes[offset..<(offset + n)])
        }
        mutating func u16() throws -> UInt16 { let b = try take(2); return UInt16(b[0]) << 8 | UInt16(b[1]) }
        mutating func u32() throws -> UInt32 { UInt32(try u16()) << 16 | UInt32(try u16()) }

        /// A name with compression pointers (at most 64 jumps, so a loop ends).
        mutating func name() throws -> String {
            var labels: [String] = []
            var cursor = offset
            var jumped = false
            for _ in 0..<128 {
                guard cursor < bytes.count else { throw DNSMessage.malformed("name runs past the end") }
                let length = Int(bytes[cursor])
                if length == 0 {
                    if !jumped { offset = cursor + 1 }
                    return labels.joined(separator: ".") + "."
                }
                if length & 0xc0 == 0xc0 {
                    guard cursor + 1 < bytes.count else { throw DNSMessage.malformed("truncated name pointer") }
                    if !jumped { offset = cursor + 2 }
                    jumped = true
                    cursor = (length & 0x3f) << 8 | Int(bytes[cursor + 1])
                    continue
                }
                guard cursor + 1 + length <= bytes.count else { throw DNSMessage.malformed("label runs past the end") }
                labels.append(String(decoding: bytes[(cursor + 1)...(cursor + length)], as: UTF8.self))
                cursor += 1 + length
            }
            throw DNSMessage.malformed("name has too many labels or a pointer loop")
        }
    }

    static func malformed(_ detail: String) -> BerthError { .invalidArgument("malformed DNS message: \(detail)") }
}

private func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
private func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
