import BerthOCI
import BerthSystem
import FoundationEssentials

/// The error body of the distribution spec: `{"errors":[{"code","message","detail"}]}`.
public struct RegistryErrorBody: Decodable, Sendable, Equatable {
    /// One error of the body; `code` is e.g. MANIFEST_UNKNOWN, BLOB_UNKNOWN,
    /// NAME_UNKNOWN, UNAUTHORIZED, DENIED, TOOMANYREQUESTS.
    public struct Entry: Decodable, Sendable, Equatable {
        public var code: String
        public var message: String?
    }
    public var errors: [Entry]

    /// Parses a body; nil when it is not the spec's JSON.
    public static func parse(_ bytes: [UInt8]) -> RegistryErrorBody? {
        guard !bytes.isEmpty, let body = try? JSONDecoder().decode(RegistryErrorBody.self, from: Data(bytes)),
              !body.errors.isEmpty else { return nil }
        return body
    }

    /// `code: message` for each error, joined as docker prints them
    /// (`manifest unknown: manifest unknown`, lowercased code).
    public var summary: String {
        errors.map { e in
            let code = e.code.lowercased().replacing("_", with: " ")
            guard let m = e.message, !m.isEmpty else { return code }
            return "\(code): \(m)"
        }.joined(separator: "; ")
    }
}

/// What the client was doing when a registry answered with an error; picks
/// the words docker uses for that case.
enum RegistryOperation: Sendable {
    case pull(Reference)
    case push(Reference)
    case manifest(Reference)
    case blob(Reference, Digest)
    case other(String)
}

extension BerthError {
    /// Maps a registry's answer to a BerthError, keeping the registry's own
    /// error text, with docker's wording where docker has one
    /// (moby distribution/errors.go: "pull access denied for X, repository
    /// does not exist or may require 'docker login'").
    static func registry(status: Int, body: [UInt8], operation: RegistryOperation, url: String) -> BerthError {
        let parsed = RegistryErrorBody.parse(body)
        let codes = Set(parsed?.errors.map(\.code) ?? [])
        let detail = parsed?.summary ?? Self.statusDetail(status, body: body)
        let code: Code
        if status == 401 || codes.contains("UNAUTHORIZED") { code = .unauthorized }
        else if status == 403 || codes.contains("DENIED") { code = .forbidden }
        else if status == 429 || codes.contains("TOOMANYREQUESTS") { code = .resourceExhausted }
        else if status == 404 || !codes.isDisjoint(with: ["MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN"]) { code = .notFound }
        else if codes.contains("UNSUPPORTED") || status == 405 { code = .notImplemented }
        else if status >= 500 { code = .unavailable }
        else if status >= 400 { code = .invalidArgument }
        else { code = .internalError }

        switch (operation, code) {
        case (.pull(let ref), .unauthorized), (.pull(let ref), .forbidden),
             (.manifest(let ref), .unauthorized), (.manifest(let ref), .forbidden):
            return BerthError(code, "pull access denied for \(ref.familiarName), repository does not exist or may require 'docker login': \(detail)")
        case (.pull(let ref), .notFound) where codes.contains("NAME_UNKNOWN"),
             (.manifest(let ref), .notFound) where codes.contains("NAME_UNKNOWN"):
            return BerthError(code, "pull access denied for \(ref.familiarName), repository does not exist or may require 'docker login': \(detail)")
        case (.pull(let ref), .notFound), (.manifest(let ref), .notFound):
            return BerthError(code, "manifest for \(ref.familiarString) not found: \(detail)")
        case (.blob(let ref, let digest), .notFound):
            return BerthError(code, "blob \(digest) not found in \(ref.familiarName): \(detail)")
        case (.push(let ref), .unauthorized), (.push(let ref), .forbidden):
            return BerthError(code, "push access denied for \(ref.familiarName): \(detail)")
        case (_, .resourceExhausted):
            return BerthError(code, "the registry limits requests, try again later: \(detail)")
        default:
            return BerthError(code, "\(url): \(detail)")
        }
    }

    static func statusDetail(_ status: Int, body: [UInt8]) -> String {
        let text = String(String(decoding: body.prefix(300), as: UTF8.self).drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        return text.isEmpty ? "HTTP status \(status)" : "HTTP status \(status): \(text)"
    }
}
