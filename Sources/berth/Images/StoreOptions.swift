import ArgumentParser
import BerthImages
import BerthOCI
import BerthRegistry
import BerthSystem
import Dispatch
import Foundation
import Glibc

/// Where the store is and how registries are reached. Until a daemon
/// exists, image commands open the store themselves.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Root of berth's state (or $BERTH_ROOT).")
    var root: String = ProcessInfo.processInfo.environment["BERTH_ROOT"] ?? "/var/lib/berth"

    @Option(name: .long, help: "Per-registry TLS material, docker's certs.d layout.")
    var certsDir: String = "/etc/berth/certs.d"

    @Option(name: .long, help: "A registry (host[:port] or CIDR) reachable over plain HTTP; repeatable.")
    var insecureRegistry: [String] = []

    func service() throws -> ImageService {
        try ImageService(root: root, registry: RegistryConfiguration(certsDirectory: certsDir, insecureRegistries: insecureRegistry))
    }
}

/// Runs async work from a synchronous command: the main thread waits while
/// the task runs on the concurrency pool.
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    Task.detached {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try result!.get()
}

/// Prints errors as docker's CLI does ("Error response from daemon: …"
/// without a daemon: "Error: …") and exits 1.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as BerthError {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// Progress lines: one per event when stdout is not a terminal; on a
/// terminal the byte counters of one layer overwrite each other.
final class ProgressPrinter: @unchecked Sendable {
    private let terminal = isatty(STDOUT_FILENO) == 1
    private let lock = NSLock()
    private var lastWasCounter = false

    var handler: ProgressHandler { { @Sendable event in self.handle(event) } }

    func handle(_ event: PullProgress) {
        lock.withLock {
            let counter = event.current != nil && event.total != nil
            if terminal {
                let line = "\r\u{1B}[2K" + event.description
                FileHandle.standardOutput.write(Data((lastWasCounter && counter ? line : (lastWasCounter ? "\n" : "") + event.description).utf8))
                if !counter { FileHandle.standardOutput.write(Data("\n".utf8)) }
                lastWasCounter = counter
            } else {
                FileHandle.standardOutput.write(Data((event.description + "\n").utf8))
            }
        }
    }
}
