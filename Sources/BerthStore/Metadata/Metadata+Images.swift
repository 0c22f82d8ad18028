import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A named image: a reference such as `docker.io/library/alpine:3.20`
/// pointing at its target (a manifest or an index), as containerd's images.
public struct ImageRecord: Sendable, Equatable {
    public var name: String
    public var target: Descriptor
    public var labels: [String: String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, target: Descriptor, labels: [String: String] = [:],
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.name = name
        self.target = target
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Metadata {
    /// Creates or retargets an image; `createdAt` is kept on update.
    public func putImage(name: String, target: Descriptor, labels: [String: String] = [:]) throws {
        guard !name.isEmpty else { throw BerthError.invalidArgument("image name is empty") }
        let json = String(decoding: try JSONEncoder().encode(target), as: UTF8.self)
        let now = Self.now()
        try database.transaction {
            try database.run("""
                INSERT INTO images (name, digest, target, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, target = excluded.target, updated_at = excluded.updated_at
                """, [.text(name), .text(target.digest.description), .text(json), .real(now), .real(now)])
            try database.run("DELETE FROM image_labels WHERE image = ?", [.text(name)])
            for (key, value) in labels {
                try database.run("INSERT INTO image_labels (image, key, value) VALUES (?, ?, ?)", [.text(name), .text(key), .text(value)])
            }
        }
    }

    /// The image called `name`; `.notFound` if there is none.
    public func image(_ name: String) throws -> ImageRecord {
        guard let image = try images(where: "WHERE name = ?", [.text(name)]).first else {
            throw BerthError.notFound("image \(name) not found")
        }
        return image
    }

    /// All images, sorted by name.
    public func images() throws -> [ImageRecord] { try images(where: "", []) }

    /// Images whose target is `digest` (several tags of one image).
    public func images(target digest: Digest) throws -> [ImageRecord] {
        try images(where: "WHERE digest = ?", [.text(digest.description)])
    }

    /// Removes an image name; `.notFound` if there is none. The blobs stay
    /// until garbage collection finds nothing else refers to them.
    public func deleteImage(_ name: String) throws {
        guard try database.run("DELETE FROM images WHERE name = ?", [.text(name)]) == 1 else {
            throw BerthError.notFound("image \(name) not found")
        }
    }

    private func images(where clause: String, _ values: [SQLiteValue]) throws -> [ImageRecord] {
        try database.transaction {
            let rows = try database.query("SELECT name, target, created_at, updated_at FROM images \(clause) ORDER BY name", values) { row in
                (row.string(0), row.string(1), row.double(2), row.double(3))
            }
            return try rows.map { name, json, created, updated in
                let target: Descriptor
                do {
                    target = try JSONDecoder().decode(Descriptor.self, from: Data(json.utf8))
                } catch {
                    throw BerthError.internalError("metadata: image \(name) has an unreadable target", cause: error)
                }
                var labels: [String: String] = [:]
                for (key, value) in try database.query("SELECT key, value FROM image_labels WHERE image = ?", [.text(name)], { ($0.string(0), $0.string(1)) }) {
                    labels[key] = value
                }
                return ImageRecord(name: name, target: target, labels: labels,
                                   createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated))
            }
        }
    }
}
