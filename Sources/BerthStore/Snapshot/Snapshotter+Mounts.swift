import BerthSystem
import Glibc

extension Snapshotter {
    /// containerd's overlay snapshotter mount rules:
    /// - active without parent: a writable bind of its directory;
    /// - active with parents: overlay, upperdir/workdir its own, lowerdirs the chain;
    /// - view of one layer: a read-only bind of that layer;
    /// - view of several: overlay with lowerdirs only (read-only by construction).
    func mounts(for record: SnapshotRecord) throws -> [Mount] {
        let lowers = try chain(above: record).map { "\(root)/l/\($0.link)" }
        let own = directory(record)
        switch (record.kind, lowers.count) {
        case (.committed, _):
            throw BerthError.invalidArgument("snapshot \(record.key) is committed; create a view or prepare a child to mount it")
        case (.active, 0):
            return [Mount(type: "bind", source: own + "/fs", options: ["rbind", "rw"])]
        case (.active, _):
            return [Mount(type: "overlay", source: "overlay",
                          options: Self.overlayOptions + ["lowerdir=" + lowers.joined(separator: ":"),
                                                          "upperdir=\(own)/fs", "workdir=\(own)/work"])]
        case (.view, 0):
            return [Mount(type: "bind", source: own + "/fs", options: ["rbind", "ro"])]
        case (.view, 1):
            return [Mount(type: "bind", source: lowers[0], options: ["rbind", "ro"])]
        case (.view, _):
            return [Mount(type: "overlay", source: "overlay", options: Self.overlayOptions + ["lowerdir=" + lowers.joined(separator: ":")])]
        }
    }

    /// The committed snapshots under `record`, nearest first.
    func chain(above record: SnapshotRecord) throws -> [SnapshotRecord] {
        var result: [SnapshotRecord] = []
        var next = record.parentID
        while let id = next {
            guard let parent = try metadata.snapshotRecord(id: id) else {
                throw BerthError.internalError("snapshot \(record.key): parent id \(id) is missing (run fsck)")
            }
            result.append(parent)
            next = parent.parentID
        }
        return result
    }

    /// index=off lets several overlays share lower layers (as containerd
    /// sets when the kernel supports it). redirect_dir and metacopy make the
    /// upper directory depend on the lowers, which would break `Differ`
    /// reading the upper alone; docker's overlay2 avoids them too.
    static let overlayOptions: [String] = {
        var options: [String] = []
        let parameters = "/sys/module/overlay/parameters"
        if access("\(parameters)/index", F_OK) == 0 { options.append("index=off") }
        for feature in ["redirect_dir", "metacopy"] {
            if let value = try? Durable.readFile("\(parameters)/\(feature)"), value.first == UInt8(ascii: "Y") {
                options.append("\(feature)=off")
            }
        }
        return options
    }()
}
