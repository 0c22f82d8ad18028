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

extension ImageService {
    /// Pulls `reference` (`busybox`, `host:5000/app:v1`, `repo@sha256:…`)
    /// for `platform` (nil: this host), as `docker pull` does:
    ///
    /// 1. resolve the reference, through an index to the best manifest;
    /// 2. store index, manifest and config blobs (under a lease, so GC run
    ///    by anyone meanwhile keeps what this pull has so far);
    /// 3. per layer, bottom first: a committed snapshot with its chain ID and
    ///    the blob → "Already exists"; else stream the blob from the network
    ///    into its content ingest and, through a pipe, into `LayerApplier`
    ///    unpacking into a fresh snapshot — one pass, verified by both
    ///    digests (blob and diff ID) before the snapshot is committed;
    /// 4. name the image (tag and repo@digest) and end the lease.
    ///
    /// A pull killed midway leaves committed blobs and snapshots (reused
    /// next time) and a partial ingest that the next pull resumes with an
    /// HTTP Range request after feeding the saved bytes to the unpacker.
    @discardableResult
    public func pull(_ reference: String, platform: Platform? = nil,
                     credentials: [String: RegistryCredentials] = [:],
                     progress: ProgressHandler? = nil) async throws -> StoredImage {
        let ref = try Reference(parsing: reference).withDefaultTag
        let matcher = platform.map { PlatformMatcher($0) } ?? .host
        let client = await makeClient(extra: credentials)
        do {
            let image = try await pull(ref, matcher: matcher, explicit: platform != nil, client: client, progress: progress)
            try await client.shutdown()
            return image
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func pull(_ ref: Reference, matcher: PlatformMatcher, explicit: Bool, client: RegistryClient,
                      progress: ProgressHandler?) async throws -> StoredImage {
        progress?(PullProgress(id: ref.tag ?? ref.digest?.description, status: "Pulling from \(ref.repository.familiarName)"))
        let resolved = try await client.resolveImage(ref, platform: matcher)
        let manifest = resolved.image
        let diffIDs = resolved.config.rootfs.diffIDs
        guard diffIDs.count == manifest.layers.count else {
            throw BerthError.invalidArgument("image \(ref.familiarString): the config lists \(diffIDs.count) diff IDs for \(manifest.layers.count) layers")
        }
        // A single-platform image asked for by --platform must be that
        // platform (containerd: "does not match the specified platform").
        if explicit, resolved.index == nil, !matcher.matches(resolved.config.platform) {
            throw BerthError.notFound("image \(ref.familiarString) was found but its platform \(resolved.config.platform) does not match the specified platform \(matcher.preferences.first?.description ?? "")")
        }
        let chain = ChainID.chain(diffIDs)
        let lease = "pull-\(UUID().uuidString.lowercased())"
        // Generous expiry: a pull killed with -9 cannot delete its lease;
        // after a day GC may take what it left.
        try store.metadata.createLease(id: lease, expiresAt: Date().addingTimeInterval(24 * 3600))

        do {
            var documents: [(FetchedManifest)] = [resolved.manifest]
            if let index = resolved.index { documents.append(index) }
            for document in documents {
                try store.metadata.addLeaseResource(lease, .content(document.descriptor.digest))
                try store.content.write(document.bytes, mediaType: document.descriptor.mediaType, expected: document.descriptor.digest)
            }
            try store.metadata.addLeaseResource(lease, .content(manifest.config.digest))
            try store.content.write(resolved.configBytes, mediaType: manifest.config.mediaType, expected: manifest.config.digest)

            try await pullLayers(manifest.layers, diffIDs: diffIDs, chain: chain, repository: ref.repository,
                                 client: client, lease: lease, progress: progress)
            // A tag, and the digest it resolved to (docker's RepoDigests).
            let topDigest = resolved.index?.descriptor.digest ?? resolved.manifest.descriptor.digest
            let imageRecord = (id: manifest.config.digest, manifest: resolved.manifest.descriptor, layers: manifest.layers, top: chain.last)
            let alreadyTagged = (try? store.metadata.image(ref.description))?.labels[Labels.imageID] == manifest.config.digest.description
            try records.withLock {
                if ref.digest == nil { try setName(ref.description, to: imageRecord) }
                try setName(ref.repository.with(digest: topDigest).description, to: imageRecord)
            }
            try store.metadata.deleteLease(lease)
            progress?(PullProgress(status: "Digest: \(topDigest)"))
            progress?(PullProgress(status: alreadyTagged ? "Status: Image is up to date for \(ref.familiarString)"
                                                         : "Status: Downloaded newer image for \(ref.familiarString)"))
            return try image(manifest.config.digest.description)
        } catch {
            try? store.metadata.deleteLease(lease)
            throw error
        }
    }

    private func hasLayer(_ layer: Descriptor, chainID: Digest) -> Bool {
        store.content.exists(layer.digest) && (try? store.snapshotter.stat(chainID.description))?.kind == .committed
    }

    /// Downloads (up to three at once, each into its content ingest) run
    /// ahead; unpacking goes bottom first, each layer's unpacker following
    /// its download's bytes as they arrive.
    private func pullLayers(_ layers: [Descriptor], diffIDs: [Digest], chain: [Digest], repository: Reference,
                            client: RegistryClient, lease: String, progress: ProgressHandler?) async throws {
        var downloads: [Int: LayerDownload] = [:]
        let slots = DownloadSlots(3)
        do {
            for (i, layer) in layers.enumerated() {
                try store.metadata.addLeaseResource(lease, .snapshot(chain[i].description))
                try store.metadata.addLeaseResource(lease, .content(layer.digest))
                let ref = "pull-\(layer.digest.algorithm.rawValue)-\(layer.digest.hex)"
                if store.content.exists(layer.digest), (try? store.content.ingests().contains(ref)) == true {
                    // A pull killed between committing this blob and removing
                    // its ingest directory left the directory; nobody can be
                    // writing it (the blob exists), so it goes.
                    try? store.content.abort(ref: ref)
                }
                if hasLayer(layer, chainID: chain[i]) { continue }
                progress?(PullProgress(id: layer.digest.short, status: PullProgress.pullingFsLayer))
                if !store.content.exists(layer.digest) {
                    downloads[i] = try startDownload(layer, repository: repository, client: client, slots: slots, progress: progress)
                }
            }
            for (i, layer) in layers.enumerated() {
                let id = layer.digest.short
                let haveSnapshot = (try? store.snapshotter.stat(chain[i].description))?.kind == .committed
                if haveSnapshot, downloads[i] == nil {
                    progress?(PullProgress(id: id, status: PullProgress.alreadyExists))
                    continue
                }
                if !haveSnapshot {
                    let path = store.content.path(layer.digest)
                    let download = downloads[i]
                    try await unpack(layer, diffID: diffIDs[i], parent: i > 0 ? chain[i - 1] : nil, lease: lease, progress: progress) { pipe in
                        if let download {
                            try download.feed(into: pipe)
                        } else {
                            // The blob came with another image (or a killed pull
                            // committed it before its snapshot): no network.
                            try Self.feed(path: path, upTo: layer.size, into: pipe)
                        }
                    }
                }
                // The blob must be committed before the image is named.
                try await downloads[i]?.task?.value
                progress?(PullProgress(id: id, status: PullProgress.pullComplete))
            }
        } catch {
            for download in downloads.values { download.task?.cancel() }
            for download in downloads.values { _ = try? await download.task?.value }
            throw error
        }
    }

    /// Opens (or resumes) the layer's ingest and starts fetching the rest.
    private func startDownload(_ layer: Descriptor, repository: Reference, client: RegistryClient, slots: DownloadSlots,
                               progress: ProgressHandler?) throws -> LayerDownload {
        let ref = "pull-\(layer.digest.algorithm.rawValue)-\(layer.digest.hex)"
        let writer: ContentWriter
        do {
            writer = try store.content.writer(ref: ref, expected: layer.digest, size: layer.size)
        } catch let error as BerthError where error.code == .unavailable {
            throw BerthError.unavailable("layer \(layer.digest) is being pulled by another berth process; try again when it is done", cause: error)
        }
        // ContentStore's layout: ROOT/ingest/<ref>/data holds the bytes so far.
        let download = LayerDownload(layer: layer, ingestPath: "\(store.content.root)/ingest/\(ref)/data",
                                     blobPath: store.content.path(layer.digest), resumeAt: writer.offset)
        let id = layer.digest.short
        download.task = Task {
            await slots.acquire()
            do {
                try Task.checkCancellation()
                var sink = LayerSink(writer: writer, download: download,
                                     throttle: ProgressThrottle(id: id, status: PullProgress.downloading, total: layer.size, handler: progress))
                sink.throttle.update(writer.offset)
                // All bytes there but not committed (killed just before): no
                // request at all, a Range from the end would be refused (416).
                if writer.offset < layer.size {
                    try await client.fetchBlob(repository, digest: layer.digest, offset: writer.offset, into: &sink)
                }
                progress?(PullProgress(id: id, status: PullProgress.verifying))
                // Verifies the whole blob (resumed bytes re-hashed from disk).
                try writer.commit()
                progress?(PullProgress(id: id, status: PullProgress.downloadComplete))
                download.finish(nil)
                await slots.release()
            } catch {
                // The partial bytes stay for the next pull to resume.
                writer.close()
                download.finish(error)
                await slots.release()
                throw error
            }
        }
        return download
    }
}
