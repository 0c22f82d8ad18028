// BerthStore: blobs, metadata and overlay snapshots on local disk (see
// ARCHITECTURE.md). No network, no Swift concurrency: every entry point is
// synchronous and thread-safe, for callers to run off their event loops.
//
// Entry points
//   Store(root:)                                   content + metadata + snapshots under ROOT
//     .collectGarbage(snapshots:now:) -> GCReport  mark & sweep from images, leases, active snapshots
//     .fsck(repair:staleIngestAge:now:) -> FsckReport
//   ContentStore (ROOT/content)
//     .writer(ref:expected:size:) -> ContentWriter resumes: writer.offset = bytes already there
//        ContentWriter.write(_:), .commit(), .restart(), .close()
//     .info(_:) -> ContentInfo, .exists(_:), .open(_:) -> ContentReader, .read(_:) -> [UInt8]
//     .write(_:mediaType:expected:) -> Descriptor  small documents in one call
//     .delete(_:), .list(), .ingests(), .abort(ref:)
//   Metadata (ROOT/metadata.db, SQLite WAL)
//     .putImage(name:target:labels:), .image(_:), .images(), .images(target:), .deleteImage(_:)
//     .addReference(from:to:), .addReferences(from:to:), .references(from:), .removeReferences(from:)
//     .setContentLabel(_:key:value:), .contentLabels(_:)
//     .createLease(id:expiresAt:), .addLeaseResource(_:_:), .deleteLease(_:), .leases()
//   Snapshotter (ROOT/snapshots) — returns mounts, never mounts
//     .prepare(_:parent:labels:) -> [Mount], .view(_:parent:labels:) -> [Mount], .mounts(_:)
//     .commit(name:key:labels:), .remove(_:), .stat(_:), .list(), .usage(_:), .directory(_:)
//   Mounter.mount(_:at:), Mounter.unmount(_:detach:)
//   LayerApplier(sizeLimit:).apply(fd:into:) -> ApplyResult   diffID + compressed digest in one pass
//   Differ().diff(upper:to:compression:) -> DiffResult
//   SQLiteDatabase                                 the thin SQLite wrapper (also for other targets)
