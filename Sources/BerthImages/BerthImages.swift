// BerthImages: images on top of BerthStore and BerthRegistry (see
// ARCHITECTURE.md). An image is a manifest in the content store named by one
// or more metadata records; its ID is the config digest, as docker's.
//
// Entry points (ImageService(store:registry:))
//   .pull(_:platform:progress:) async -> StoredImage       stream → verify → unpack, resumable
//   .push(_:progress:) async                                  layers, config, manifest
//   .tag(_:as:), .remove(_:force:) -> [RemovedImage] (docker rmi), .images() -> [ImageSummary]
//   .inspect(_:) -> ImageInspect, .history(_:) -> [HistoryEntry]
//   .prepareRootfs(image:containerKey:) -> [Mount], .removeRootfs(containerKey:)
//   .save(_:to:), .load(from:) async -> [String], .importRootfs(from:reference:) async -> StoredImage
//   .image(_:) -> StoredImage, .allImages()        lookup as docker: ID, short ID, name
//   .usage: ImageUsage                               the engine's "which containers use it"
//
// Record names in the store's `images` table:
//   DOMAIN/PATH:TAG      a tag (RepoTags)
//   DOMAIN/PATH@DIGEST   the digest a pull resolved (RepoDigests)
//   sha256:HEX           an image with no name left (docker's <none>:<none>, from load)
// Every record carries the label berth.image.id = the config digest.
