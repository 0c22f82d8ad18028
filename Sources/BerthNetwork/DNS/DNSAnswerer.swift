/// What the embedded resolver says to one query, before any I/O: an answer
/// from the table, or "forward it" (nil). Matches libnetwork's resolver:
/// A records for names on the container's networks (TTL 600), an empty
/// NOERROR for AAAA of a name it knows (the networks are IPv4-only), PTR
/// for its addresses, and everything else goes to the host's resolvers.
public enum DNSAnswerer {
    public static let ttl: UInt32 = 600

    public static func answer(_ query: DNSMessage, records: DNSRecords, networks: Set<String>) -> DNSMessage? {
        guard !query.isResponse, query.opcode == 0, let question = query.questions.first, query.questions.count == 1 else {
            // Not a plain query: refuse it as docker does (FORMERR-like); 4 = NOTIMP.
            return DNSMessage.response(to: query, rcode: 4, authoritative: false)
        }
        switch question.type {
        case DNSMessage.typeA:
            let addresses = records.lookup(question.name, networks: networks)
            guard !addresses.isEmpty else { return nil }
            return DNSMessage.response(to: query, rcode: DNSMessage.rcodeNoError, answers: addresses.map {
                DNSMessage.Record(name: question.name, type: DNSMessage.typeA, ttl: ttl, data: $0.bytes)
            })
        case DNSMessage.typeAAAA:
            guard !records.lookup(question.name, networks: networks).isEmpty else { return nil }
            return DNSMessage.response(to: query, rcode: DNSMessage.rcodeNoError)
        case DNSMessage.typePTR:
            guard let address = reverseAddress(question.name),
                  let name = records.reverse(address, networks: networks) else { return nil }
            return DNSMessage.response(to: query, rcode: DNSMessage.rcodeNoError, answers: [
                DNSMessage.Record(name: question.name, type: DNSMessage.typePTR, ttl: ttl,
                                  data: DNSMessage.encodeName(name)),
            ])
        default:
            return nil
        }
    }

    /// "4.3.2.1.in-addr.arpa." → 1.2.3.4.
    static func reverseAddress(_ name: String) -> IPv4Address? {
        let lowered = DNSRecords.normalize(name)
        guard lowered.hasSuffix(".in-addr.arpa") else { return nil }
        let octets = lowered.dropLast(".in-addr.arpa".count).split(separator: ".")
        guard octets.count == 4 else { return nil }
        return IPv4Address(octets.reversed().joined(separator: "."))
    }
}
