/// A mount a snapshot needs, as containerd's mount.Mount: the snapshotter
/// returns these and the caller (or `Mounter`) performs them. `options` are
/// mount(8)-style: flags such as `ro`, `rbind` and filesystem data such as
/// `lowerdir=…`.
public struct Mount: Sendable, Equatable, Codable, CustomStringConvertible {
    public var type: String
    public var source: String
    public var options: [String]

    public init(type: String, source: String, options: [String]) {
        self.type = type
        self.source = source
        self.options = options
    }

    public var description: String { "\(type) \(source) (\(options.joined(separator: ",")))" }

    /// The lower directories of an overlay mount, nearest layer first.
    public var lowerDirectories: [String] {
        options.first { $0.hasPrefix("lowerdir=") }.map { $0.dropFirst("lowerdir=".count).split(separator: ":").map(String.init) } ?? []
    }

    /// The upper directory of a writable overlay mount.
    public var upperDirectory: String? {
        options.first { $0.hasPrefix("upperdir=") }.map { String($0.dropFirst("upperdir=".count)) }
    }
}
