import BerthSystem
import FoundationEssentials

/// What the client remembers between requests, per registry host: bearer
/// tokens until they expire (keyed by realm, service and scopes), which
/// hosts want Basic auth, which insecure hosts answered over plain HTTP, and
/// credentials set for this process (`docker login`'s, or an API request's
/// X-Registry-Auth) that win over the credential store.
actor RegistrySession {
    struct TokenKey: Hashable {
        var host: String
        var scopes: [String]
    }
    struct Token {
        var value: String
        var expires: ContinuousClock.Instant
    }

    private var tokens: [TokenKey: Token] = [:]
    private var bearerChallenges: [String: AuthChallenge] = [:]
    private var basicHosts: Set<String> = []
    private var plainHTTPHosts: Set<String> = []
    private var overrides: [String: RegistryCredentials?] = [:]
    /// Tokens fetched so far: tests read it to see that the cache works.
    private(set) var tokenFetches = 0

    func setCredentials(_ credentials: RegistryCredentials?, for domain: String) {
        overrides[domain] = .some(credentials)
        tokens = tokens.filter { $0.key.host != domain }
    }

    /// nil: not overridden (use the store); .some(nil): anonymous.
    func override(for domain: String) -> RegistryCredentials?? { overrides[domain] }

    /// The Authorization header to send before any challenge, if known.
    func authorization(host: String, scopes: [String], credentials: RegistryCredentials?) -> String? {
        if basicHosts.contains(host), let credentials { return RegistrySession.basic(credentials) }
        if let token = tokens[TokenKey(host: host, scopes: scopes)], token.expires > .now {
            return "Bearer " + token.value
        }
        return nil
    }

    func challenge(for host: String) -> AuthChallenge? { bearerChallenges[host] }

    func rememberBasic(host: String) { basicHosts.insert(host) }

    func remember(token: String, lifetime: Int, host: String, scopes: [String], challenge: AuthChallenge) {
        tokenFetches += 1
        bearerChallenges[host] = challenge
        // Renew a little early, as docker/distribution's token handler does.
        let seconds = max(lifetime, 60) - 10
        tokens[TokenKey(host: host, scopes: scopes)] = Token(value: token, expires: .now + .seconds(seconds))
    }

    func forgetToken(host: String, scopes: [String]) { tokens[TokenKey(host: host, scopes: scopes)] = nil }

    func usesPlainHTTP(_ host: String) -> Bool { plainHTTPHosts.contains(host) }
    func rememberPlainHTTP(_ host: String) { plainHTTPHosts.insert(host) }

    static func basic(_ c: RegistryCredentials) -> String {
        "Basic " + Data("\(c.username):\(c.password)".utf8).base64EncodedString()
    }
}
