import BerthEngine
import BerthSystem
import NIOHTTP1

/// A route handler: decode the request, call a backend, encode the answer.
typealias RouteHandler = @Sendable (APIRequest, ResponseWriter) async throws -> Void

/// How a route takes its request body.
enum BodyMode: Sendable {
    /// Read whole before the handler runs, up to the server's limit (413 beyond).
    case buffered
    /// Handed to the handler as a stream, with back-pressure (uploads).
    case streamed
}

/// The route table: method and path pattern → handler. Patterns use
/// `{name}` for one segment and `{name*}` for several (image names contain
/// slashes, as moby's `{name:.*}`).
struct Router: Sendable {
    struct Route: Sendable {
        let method: HTTPMethod
        let segments: [Segment]
        let body: BodyMode
        let handler: RouteHandler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case param(String)
        case greedy(String)
    }

    enum Match {
        case found(Route, [String: String])
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    private(set) var routes: [Route] = []

    mutating func add(_ method: HTTPMethod, _ pattern: String, body: BodyMode = .buffered, _ handler: @escaping RouteHandler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part.hasPrefix("{") && part.hasSuffix("*}") { return .greedy(String(part.dropFirst().dropLast(2))) }
            if part.hasPrefix("{") && part.hasSuffix("}") { return .param(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, body: body, handler: handler))
    }

    mutating func get(_ pattern: String, _ handler: @escaping RouteHandler) { add(.GET, pattern, handler) }
    mutating func head(_ pattern: String, _ handler: @escaping RouteHandler) { add(.HEAD, pattern, handler) }
    mutating func post(_ pattern: String, body: BodyMode = .buffered, _ handler: @escaping RouteHandler) { add(.POST, pattern, body: body, handler) }
    mutating func put(_ pattern: String, body: BodyMode = .buffered, _ handler: @escaping RouteHandler) { add(.PUT, pattern, body: body, handler) }
    mutating func delete(_ pattern: String, _ handler: @escaping RouteHandler) { add(.DELETE, pattern, handler) }

    func match(_ method: HTTPMethod, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            .map { PercentDecoding.decode($0, plusAsSpace: false) }
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let params = Self.bind(route.segments, to: parts) else { continue }
            if route.method == method { return .found(route, params) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    /// Matches segments; a greedy parameter takes what the segments after it leave.
    private static func bind(_ segments: [Segment], to parts: [String]) -> [String: String]? {
        var params: [String: String] = [:]
        var index = 0
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < parts.count, parts[index] == text else { return nil }
                index += 1
            case .param(let name):
                guard index < parts.count else { return nil }
                params[name] = parts[index]
                index += 1
            case .greedy(let name):
                let rest = segments.count - position - 1
                let end = parts.count - rest
                guard end > index else { return nil }
                params[name] = parts[index..<end].joined(separator: "/")
                index = end
            }
        }
        return index == parts.count ? params : nil
    }
}
