#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BerthSystem

/// A value delivered once and awaited later, registered synchronously
/// (inside an actor method) so that no event can slip in between
/// registering and awaiting — as dockerd registers a wait before it answers.
final class OneShot<T: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var value: T?
    private var waiters: [CheckedContinuation<T, Never>] = []

    func fulfill(_ result: T) {
        let toResume: [CheckedContinuation<T, Never>] = lock.withLock {
            guard value == nil else { return [] }
            value = result
            defer { waiters = [] }
            return waiters
        }
        for waiter in toResume { waiter.resume(returning: result) }
    }

    var result: T {
        get async {
            await withCheckedContinuation { continuation in
                let ready: T? = lock.withLock {
                    if let value { return value }
                    waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    var isFulfilled: Bool { lock.withLock { value != nil } }
}
