import BerthOCI
import BerthRegistry
import BerthStore
import BerthSystem

extension ImageService {
    /// `docker push REF`: the image named REF goes to REF's registry and
    /// repository: layers the registry lacks (HEAD first, as docker), the
    /// config, then the manifest as stored, so its digest is unchanged.
    /// The pushed digest becomes one of the image's RepoDigests.
    @discardableResult
    public func push(_ reference: String, credentials: [String: RegistryCredentials] = [:],
                     progress: ProgressHandler? = nil) async throws -> Digest {
        let ref = try Reference(parsing: reference).withDefaultTag
        guard ref.digest == nil else { throw BerthError.invalidArgument("push: give a tag, not a digest: \(reference)") }
        guard let record = try record(named: reference) else {
            throw BerthError.notFound("An image does not exist locally with the tag: \(ref.familiarName)")
        }
        let image = try image(record.labels[Labels.imageID] ?? reference)
        let manifestBytes = try store.content.read(image.manifestDescriptor.digest)
        progress?(PullProgress(status: "The push refers to repository [\(ref.repository.name)]"))
        let client = await makeClient(extra: credentials)
        do {
            for blob in image.manifest.layers + [image.manifest.config] {
                let id = blob.digest.short
                let isLayer = blob != image.manifest.config
                if isLayer { progress?(PullProgress(id: id, status: PullProgress.preparing)) }
                if try await client.blobExists(ref.repository, digest: blob.digest) != nil {
                    if isLayer { progress?(PullProgress(id: id, status: PullProgress.layerAlreadyExists)) }
                    continue
                }
                guard store.content.exists(blob.digest) else {
                    throw BerthError.notFound("push \(ref.familiarString): blob \(blob.digest) is not in the store (the image was stored without it)")
                }
                if isLayer { progress?(PullProgress(id: id, status: PullProgress.pushing, current: 0, total: blob.size)) }
                try await client.pushBlob(ref.repository, digest: blob.digest, size: blob.size,
                                          from: FileSource(path: store.content.path(blob.digest)))
                if isLayer { progress?(PullProgress(id: id, status: PullProgress.pushed)) }
            }
            let digest = try await client.pushManifest(ref, bytes: manifestBytes, mediaType: image.manifestDescriptor.mediaType)
            try await client.shutdown()
            try records.withLock {
                try setName(ref.repository.with(digest: digest).description,
                            to: (id: image.id, manifest: image.manifestDescriptor, layers: image.manifest.layers, top: image.chainIDs.last))
            }
            progress?(PullProgress(status: "\(ref.tag ?? Reference.defaultTag): digest: \(digest) size: \(manifestBytes.count)"))
            return digest
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
