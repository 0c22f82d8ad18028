#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BerthSystem

/// The daemon's events (`/events`): a bounded history for `since` and live
/// subscribers, as moby's `daemon/events`.
public final class EventBus: @unchecked Sendable {
    private let lock = Lock()
    private var history: [EventMessage] = []
    private var subscribers: [UUID: AsyncThrowingStream<EventMessage, any Error>.Continuation] = [:]
    static let historyLimit = 256

    public init() {}

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
        let matches: @Sendable (EventMessage) -> Bool = { message in
            let filters = options.filters
            guard filters.exactMatch("type", message.type ?? ""), filters.exactMatch("event", message.action ?? "") else { return false }
            if filters.contains("container") {
                let name = message.actor?.attributes?["name"] ?? ""
                let actorID = message.actor?.id ?? ""
                guard filters.values("container").contains(where: { $0 == name || actorID.hasPrefix($0) }) else { return false }
            }
            return filters.matchLabels(message.actor?.attributes ?? [:])
        }
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
}
