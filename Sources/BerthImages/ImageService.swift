import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The image half of the engine: pull, push, tag, remove, list, inspect,
/// save/load/import, and container root filesystems, over one `Store`.
///
/// Synchronous methods block on disk; `pull` and `push` are async and run
/// their blocking parts (unpacking, hashing) on threads of their own so the
/// caller's executor keeps moving. Safe to use from several threads; two
/// processes on one root are kept apart by the store's flocks and leases.
public final class ImageService: @unchecked Sendable {
    public let store: Store
    public let registry: RegistryConfiguration
    /// Who uses an image; `remove` asks before deleting one.
    public var usage: any ImageUsage
    /// Extra credentials (`docker login` style) by registry domain, over the
    /// configuration's credential store.
    public var credentials: [String: RegistryCredentials] = [:]
    /// Largest uncompressed layer accepted.
    public var layerSizeLimit: Int64?
    /// Serializes changes to image records (tag moves, removals).
    let records = Lock()

    public init(store: Store, registry: RegistryConfiguration = RegistryConfiguration(), usage: (any ImageUsage)? = nil) {
        self.store = store
        self.registry = registry
        self.usage = usage ?? SnapshotImageUsage(snapshotter: store.snapshotter)
        // A layer pipe whose reader failed must give EPIPE, not kill us.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Opens (creating) the store at `root` (`/var/lib/berth`).
    public convenience init(root: String, registry: RegistryConfiguration = RegistryConfiguration()) throws {
        self.init(store: try Store(root: root), registry: registry)
    }

    /// A registry client with this service's credentials, and `extra` (one
    /// request's, as the API's X-Registry-Auth) over them; shut it down after.
    func makeClient(extra: [String: RegistryCredentials] = [:]) async -> RegistryClient {
        let client = RegistryClient(configuration: registry)
        for (domain, credentials) in credentials.merging(extra, uniquingKeysWith: { $1 }) {
            await client.setCredentials(credentials, for: domain)
        }
        return client
    }

    /// A temporary directory under the store root (same filesystem, so
    /// renames into place are atomic), removed by `body`'s end.
    func withScratch<T>(_ body: (String) throws -> T) throws -> T {
        let path = try makeScratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// `withScratch` for an async body.
    func withAsyncScratch<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = try makeScratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// A new directory under `<store>/tmp`.
    private func makeScratch() throws -> String {
        let base = store.root + "/tmp"
        mkdir(base, 0o700)
        var template = Array("\(base)/op-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BerthError(SystemError("mkdtemp", path: base, errno: errno), while: "create a scratch directory")
        }
        return String(cString: made)
    }
}
