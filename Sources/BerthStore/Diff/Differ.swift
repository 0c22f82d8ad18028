import BerthOCI
import BerthSystem
import CArchive
import Glibc

/// What `Differ.diff` wrote.
public struct DiffResult: Sendable, Equatable {
    /// sha256 of the uncompressed tar (the config's diff_id).
    public var diffID: Digest
    /// sha256 of the bytes written (the blob's digest; = diffID uncompressed).
    public var digest: Digest
    public var compression: LayerCompression
    /// Bytes written.
    public var size: Int64
    /// Bytes of the uncompressed tar.
    public var tarSize: Int64
}

/// Turns an overlay upper directory into an OCI layer tar, as docker's
/// overlay2 driver does (archive.TarWithOptions with the overlay whiteout
/// format): a 0/0 character device becomes a `.wh.<name>` entry and a
/// directory with trusted.overlay.opaque=y gets a `.wh..wh..opq` entry.
/// The walk is sorted and mtimes are whole seconds, so the same tree
/// gives the same diffID. Hard links inside the layer stay hard links.
///
/// The upper directory must not be mounted with redirect_dir or metacopy
/// (the snapshotter turns them off), and should not be changing.
public struct Differ: Sendable {
    public init() {}

    /// Writes the layer of `upper` (a snapshot's directory) to `fd`.
    public func diff(upper: String, to fd: Int32, compression: LayerCompression = .none) throws -> DiffResult {
        let root = try step("diff \(upper)") { try FileDescriptor.open(upper, O_RDONLY | O_DIRECTORY) }
        return try write(to: fd, compression: compression) { walker in try walker.walk(root, prefix: "") }
    }

    /// A plain tar of everything below the directory `root` (an open fd), as
    /// `docker export` reads a container's filesystem: nothing is followed,
    /// sockets are left out.
    @discardableResult
    public func archive(tree root: Int32, to fd: Int32) throws -> DiffResult {
        let directory = try step("archive") { FileDescriptor(try sys("dup", "archive root") { dup(root) }) }
        return try write(to: fd, compression: .none) { walker in try walker.walk(directory, prefix: "") }
    }

    /// A plain tar of the object `name` inside the directory `parent` (an
    /// open fd) and, for a directory, everything below it, with the top
    /// entry named `entryName` — docker's `TarResourceRebase` for `docker cp`.
    @discardableResult
    public func archive(entry name: String, in parent: Int32, as entryName: String, to fd: Int32) throws -> DiffResult {
        let directory = try step("archive") { FileDescriptor(try sys("dup", "archive parent") { dup(parent) }) }
        return try write(to: fd, compression: .none) { walker in try walker.add(name, prefix: "", in: directory, as: entryName) }
    }

    private func write(to fd: Int32, compression: LayerCompression, _ body: (inout DiffWalker) throws -> Void) throws -> DiffResult {
        let sink = try LayerSink(fd: fd, compression: compression)
        guard let archive = archive_write_new() else { throw BerthError(.resourceExhausted, "libarchive: cannot allocate a writer") }
        defer { archive_write_free(archive) }
        // pax_restricted: plain ustar headers unless a field needs pax (long
        // names, xattrs), like Go's archive/tar that docker uses.
        archive_write_set_format_pax_restricted(archive)
        archive_write_add_filter_none(archive)
        archive_write_set_bytes_in_last_block(archive, 1)
        let client = Unmanaged.passUnretained(sink).toOpaque()
        let opened = archive_write_open(archive, client, nil, { _, client, buffer, length in
            let sink = Unmanaged<LayerSink>.fromOpaque(client!).takeUnretainedValue()
            do {
                try sink.write(UnsafeRawBufferPointer(start: buffer, count: length))
                return la_ssize_t(length)
            } catch {
                sink.failure = sink.failure ?? error
                return -1
            }
        }, nil)
        var walker = DiffWalker(archive: archive, sink: sink)
        try walker.check(opened, "start of diff")
        try body(&walker)
        try walker.check(archive_write_close(archive), "end of diff")
        try step("write tar") { try sink.finish() }
        return DiffResult(diffID: sink.diffHasher.digest, digest: sink.outputHasher.digest, compression: compression,
                          size: sink.outputSize, tarSize: sink.tarSize)
    }
}
