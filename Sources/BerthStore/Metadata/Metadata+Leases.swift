import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A lease keeps what a running operation (a pull, a build) has fetched or
/// created alive until the operation ties it to an image or gives up, as
/// containerd's leases do. An expired lease protects nothing.
public struct Lease: Sendable, Equatable {
    public var id: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var resources: [GCResource]
}

extension Metadata {
    /// Creates a lease; `.conflict` if the id is taken.
    public func createLease(id: String, expiresAt: Date? = nil) throws {
        guard !id.isEmpty else { throw BerthError.invalidArgument("lease id is empty") }
        do {
            try database.run("INSERT INTO leases (id, created_at, expires_at) VALUES (?, ?, ?)",
                             [.text(id), .real(Self.now()), expiresAt.map { .real($0.timeIntervalSince1970) } ?? .null])
        } catch let error as BerthError where error.code == .conflict {
            throw BerthError.conflict("lease \(id) already exists")
        }
    }

    /// Adds a resource to a lease; `.notFound` if the lease is gone.
    public func addLeaseResource(_ id: String, _ resource: GCResource) throws {
        try database.transaction {
            guard try database.query("SELECT 1 FROM leases WHERE id = ?", [.text(id)], { $0.int(0) }).count == 1 else {
                throw BerthError.notFound("lease \(id) not found")
            }
            try database.run("INSERT OR IGNORE INTO lease_resources (lease, kind, resource) VALUES (?, ?, ?)",
                             [.text(id), .text(resource.kind), .text(resource.id)])
        }
    }

    /// Ends a lease; what it held becomes collectable unless referenced.
    public func deleteLease(_ id: String) throws {
        guard try database.run("DELETE FROM leases WHERE id = ?", [.text(id)]) == 1 else {
            throw BerthError.notFound("lease \(id) not found")
        }
    }

    public func leases() throws -> [Lease] {
        try database.transaction {
            let rows = try database.query("SELECT id, created_at, expires_at FROM leases ORDER BY id") { row in
                (row.string(0), row.double(1), row.isNull(2) ? nil : row.double(2))
            }
            return try rows.map { id, created, expires in
                let resources = try database.query("SELECT kind, resource FROM lease_resources WHERE lease = ? ORDER BY kind, resource",
                                                   [.text(id)]) { ($0.string(0), $0.string(1)) }
                    .map { try GCResource(kind: $0.0, id: $0.1) }
                return Lease(id: id, createdAt: Date(timeIntervalSince1970: created),
                             expiresAt: expires.map { Date(timeIntervalSince1970: $0) }, resources: resources)
            }
        }
    }
}
