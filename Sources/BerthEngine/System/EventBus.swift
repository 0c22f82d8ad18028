#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BerthOCI
import BerthSystem

/// The daemon's events (`/events`): a bounded history for `since` and live
/// subscribers, as moby's `daemon/events`.
public final class EventBus: @unchecked Sendable {
    private let lock = Lock()
    private var history: [EventMessage] = []
    private var subscribers: [UUID: AsyncThrowingStream<EventMessage, any Error>.Continuation] = [:]
    static let historyLimit = 256

    public init() {}

    /// Never blocks: the history is bounded and each subscriber's stream
    /// buffers without limit (moby's queue per listener).
    func publish(type: String, action: String, id: String, attributes: [String: String]) {
        let now = Date().timeIntervalSince1970
        var message = EventMessage()
        message.type = type
        message.action = action
        var actor = EventActor()
        actor.id = id
        actor.attributes = attributes
        message.actor = actor
        message.scope = "local"
        message.time = Int64(now)
        message.timeNano = Int64(now * 1e9)
        let targets = lock.withLock {
            history.append(message)
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
            return Array(subscribers.values)
        }
        for target in targets { target.yield(message) }
    }

    /// Past events from `since`, then live ones until `until`.
    public func subscribe(_ options: EventsOptions) -> AsyncThrowingStream<EventMessage, any Error> {
        let (stream, continuation) = AsyncThrowingStream<EventMessage, any Error>.makeStream()
        let id = UUID()
        let filters = options.filters
        let matches: @Sendable (EventMessage) -> Bool = { Self.matches($0, filters) }
        let (past, now) = lock.withLock { () -> ([EventMessage], Double) in
            (history, Date().timeIntervalSince1970)
        }
        if let since = options.since {
            for message in past where Double(message.timeNano ?? 0) / 1e9 >= since && matches(message) {
                continuation.yield(message)
            }
        }
        if let until = options.until, until <= now {
            continuation.finish()
            return stream
        }
        let filtered = AsyncThrowingStream<EventMessage, any Error>.makeStream()
        lock.withLock {
            subscribers[id] = continuation
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.lock.withLock { self?.subscribers.removeValue(forKey: id) }
        }
        // Deliver only matching events, and end at `until`.
        let until = options.until
        Task {
            if let until {
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, until - Date().timeIntervalSince1970) * 1e9))
                    filtered.continuation.finish()
                }
            }
            do {
                for try await message in stream where matches(message) { filtered.continuation.yield(message) }
                filtered.continuation.finish()
            } catch {
                filtered.continuation.finish(throwing: error)
            }
        }
        filtered.continuation.onTermination = { _ in continuation.finish() }
        return filtered.stream
    }

    /// moby's `daemon/events.Filter.Include`: `type`, `event`, `scope` and
    /// `image` match exactly; `container`, `network` and `volume` match an
    /// actor's ID or name by prefix and, as in dockerd, exclude events of
    /// other types whose actor does not match; `label` the attributes.
    /// `image` is the image ID or name of image events and the `image`
    /// attribute of container events, with or without its tag. `daemon`
    /// filters nothing (berth emits no daemon events).
    static func matches(_ message: EventMessage, _ filters: Filters) -> Bool {
        let type = message.type ?? "", action = message.action ?? ""
        let id = message.actor?.id ?? ""
        let attributes = message.actor?.attributes ?? [:]
        // `event=exec_start` matches `exec_start: sh -c …` (moby #25798).
        let fuzzyActions = ["health_status", "exec_create", "exec_start"]
        if filters.values("event").contains(where: { fuzzyActions.contains($0) }) {
            guard fuzzyMatch(filters, "event", action) else { return false }
        } else if !filters.exactMatch("event", action) {
            return false
        }
        guard filters.exactMatch("type", type), filters.exactMatch("scope", message.scope ?? "local") else { return false }
        for kind in ["container", "network", "volume"] {
            guard fuzzyMatch(filters, kind, id) || fuzzyMatch(filters, kind, attributes["name"] ?? "") else { return false }
        }
        if filters.contains("image") {
            let name = attributes[type == "image" ? "name" : "image"] ?? ""
            let candidates = [id, name, stripTag(id), stripTag(name)]
            guard candidates.contains(where: { !$0.isEmpty && filters.exactMatch("image", $0) }) else { return false }
        }
        return filters.matchLabels(attributes)
    }

    /// moby's `FuzzyMatch`: unfiltered, or a value that equals or prefixes `source`.
    static func fuzzyMatch(_ filters: Filters, _ name: String, _ source: String) -> Bool {
        let accepted = filters.values(name)
        return accepted.isEmpty || accepted.contains { source.hasPrefix($0) }
    }

    /// `busybox:latest` → `busybox`; `localhost:5000/busybox` stays (moby's `stripTag`).
    static func stripTag(_ image: String) -> String {
        guard let ref = try? Reference(parsing: image) else { return image }
        return ref.familiarName
    }
}
