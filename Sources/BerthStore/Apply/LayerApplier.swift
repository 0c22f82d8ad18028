import BerthOCI
import BerthSystem
import CArchive
import Glibc

/// What applying a layer produced.
public struct ApplyResult: Sendable, Equatable {
    /// sha256 of the uncompressed tar: the image config's rootfs.diff_ids entry.
    public var diffID: Digest
    /// sha256 of the bytes read (the blob's digest in the manifest).
    public var compressedDigest: Digest
    public var compression: LayerCompression
    public var compressedSize: Int64
    /// Bytes of the uncompressed tar.
    public var tarSize: Int64
    /// Bytes of regular file content written into the snapshot.
    public var unpackedSize: Int64
}

/// Unpacks an OCI/Docker layer tar into a snapshot directory.
///
/// The input is a file descriptor read once (a pipe the network writes
/// into is fine): gzip and zstd are told by their magic and decompressed
/// here, both digests are computed on the way, libarchive parses the tar
/// through a read callback, and every file is created by berth relative to
/// the snapshot directory's fd (see `RootedDirectory`) — libarchive never
/// writes to disk. Whiteouts become overlayfs whiteouts (docker overlay2's
/// conversion): `.wh.name` a 0/0 character device, `.wh..wh..opq` the
/// trusted.overlay.opaque=y xattr on its directory.
///
/// On error the snapshot directory holds whatever was unpacked before it:
/// the caller removes that snapshot (it is an active one it prepared).
public struct LayerApplier: Sendable {
    /// Largest uncompressed tar accepted, in bytes (nil: no limit besides disk space).
    public var sizeLimit: Int64?
    /// `.wh.` entries become overlay whiteouts; false for a plain tar
    /// (docker cp into a container), where they are ordinary files.
    public var whiteouts = true
    /// docker cp's noOverwriteDirNonDir (see `EntryWriter`).
    public var noOverwriteDirNonDir = false

    public init(sizeLimit: Int64? = nil, whiteouts: Bool = true, noOverwriteDirNonDir: Bool = false) {
        self.sizeLimit = sizeLimit
        self.whiteouts = whiteouts
        self.noOverwriteDirNonDir = noOverwriteDirNonDir
    }

    /// Applies the layer read from `fd` (until end of file) into `directory`.
    public func apply(fd: Int32, into directory: String) throws -> ApplyResult {
        let stream = LayerStream(fd: fd, limit: sizeLimit)
        let root = try step("apply layer into \(directory)") { try RootedDirectory(path: directory) }
        var writer = EntryWriter(root: root, whiteouts: whiteouts, noOverwriteDirNonDir: noOverwriteDirNonDir)

        guard let archive = archive_read_new() else { throw BerthError(.resourceExhausted, "libarchive: cannot allocate a reader") }
        defer { archive_read_free(archive) }
        archive_read_support_format_tar(archive)
        archive_read_support_format_empty(archive)
        archive_read_support_filter_none(archive)

        let client = Unmanaged.passUnretained(stream).toOpaque()
        let opened = archive_read_open(archive, client, nil, { _, client, buffer in
            let stream = Unmanaged<LayerStream>.fromOpaque(client!).takeUnretainedValue()
            do {
                guard let chunk = try stream.next() else { return 0 }
                buffer!.pointee = chunk.baseAddress.map { UnsafeRawPointer($0) }
                return la_ssize_t(chunk.count)
            } catch {
                stream.failure = stream.failure ?? error
                return -1
            }
        }, nil)
        try check(opened, archive, stream, at: "start of layer")

        var last = "start of layer"
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            try check(status, archive, stream, at: "after entry \"\(last)\"")
            guard let entry else { break }
            let name = entryString(archive_entry_pathname_utf8(entry), archive_entry_pathname(entry)) ?? ""
            last = name
            do {
                try writer.write(entry, name: name, archive: archive, stream: stream)
            } catch let error as BerthError {
                throw BerthError(error.code, "apply layer: entry \"\(name)\": \(error.message)", cause: error.cause)
            } catch let error as SystemError {
                throw BerthError(error.code, "apply layer: entry \"\(name)\"", cause: error)
            }
        }
        try step("apply layer: finish") {
            try writer.finish()
            try stream.drain()
        }
        return ApplyResult(diffID: stream.diffHasher.digest, compressedDigest: stream.compressedHasher.digest,
                           compression: stream.compression, compressedSize: stream.compressedSize,
                           tarSize: stream.uncompressedSize, unpackedSize: writer.unpackedSize)
    }

    /// Turns a libarchive status into an error, preferring the stream's own
    /// (a size limit or a corrupt gzip says more than "read error").
    private func check(_ status: Int32, _ archive: OpaquePointer, _ stream: LayerStream, at place: String) throws {
        if let failure = stream.failure {
            if let error = failure as? BerthError { throw BerthError(error.code, "apply layer: \(error.message) (\(place))", cause: error.cause) }
            throw BerthError.invalidArgument("apply layer: reading input (\(place))", cause: failure)
        }
        guard status < ARCHIVE_WARN else { return }
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "error \(status)"
        throw BerthError.invalidArgument("apply layer: invalid tar \(place): \(message)")
    }
}

/// libarchive gives names in UTF-8 when it can, else in the raw form.
func entryString(_ utf8: UnsafePointer<CChar>?, _ raw: UnsafePointer<CChar>?) -> String? {
    (utf8 ?? raw).map { String(cString: $0) }
}
