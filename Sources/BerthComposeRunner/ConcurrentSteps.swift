import BerthSystem

/// Runs steps on threads of their own as soon as the steps they need are
/// done, as docker compose v2's graph traversal does (BerthClient is
/// blocking, so a thread per request in flight). After a failure no new step
/// starts; the running ones finish, then the first error is thrown.
enum ConcurrentSteps {
    /// `prerequisites[i]`: the steps that must finish before step i starts
    /// (each names only lower indices). `body(i)` runs step i.
    static func run(prerequisites: [[Int]], _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let state = State(count: prerequisites.count)
        let condition = state.condition
        condition.lock()
        defer { condition.unlock() }
        while state.finished < prerequisites.count {
            if state.failure == nil {
                for i in prerequisites.indices where !state.started[i] && prerequisites[i].allSatisfy({ state.done[$0] }) {
                    state.started[i] = true
                    state.running += 1
                    BlockingThread.start {
                        var error: (any Error)?
                        do { try body(i) } catch let e { error = e }
                        condition.withLock {
                            state.done[i] = true
                            state.running -= 1
                            state.finished += 1
                            if let error, state.failure == nil { state.failure = error }
                            condition.broadcast()
                        }
                    }
                }
            }
            if state.running == 0 { break }
            condition.wait()
        }
        if let failure = state.failure { throw failure }
    }

    /// Guarded by `condition`.
    private final class State: @unchecked Sendable {
        let condition = Condition()
        var started: [Bool]
        var done: [Bool]
        var running = 0
        var finished = 0
        var failure: (any Error)?

        init(count: Int) {
            started = Array(repeating: false, count: count)
            done = Array(repeating: false, count: count)
        }
    }
}

/// A value shared by the threads of one `ConcurrentSteps.run`.
final class Shared<Value>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}

/// Runs a body once per key: callers of a key that is running wait for it
/// and share its outcome (a service's containers await its dependencies once).
final class OncePerKey: Sendable {
    private let state = Shared<(running: Set<String>, outcomes: [String: Outcome])>(([], [:]))
    private let condition = Condition()

    private struct Outcome: @unchecked Sendable { var error: (any Error)? }

    func run(_ key: String, _ body: () throws -> Void) throws {
        let earlier: Outcome? = condition.withLock {
            while state.withLock({ $0.running.contains(key) }) { condition.wait() }
            return state.withLock { s in
                if let outcome = s.outcomes[key] { return outcome }
                s.running.insert(key)
                return nil
            }
        }
        if let earlier {
            if let error = earlier.error { throw error }
            return
        }
        var error: (any Error)?
        do { try body() } catch let e { error = e }
        condition.withLock {
            state.withLock { s in
                s.running.remove(key)
                s.outcomes[key] = Outcome(error: error)
            }
            condition.broadcast()
        }
        if let error { throw error }
    }
}
