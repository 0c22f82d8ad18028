/// One progress event of a pull or push, shaped like a line of the Docker
/// API's progress stream (moby pkg/jsonmessage.JSONMessage): `id` is the
/// short layer digest (or the tag for "Pulling from …", nil for image-wide
/// lines), `status` docker's wording, `current`/`total` its progressDetail.
public struct PullProgress: Sendable, Equatable, CustomStringConvertible {
    public var id: String?
    public var status: String
    public var current: Int64?
    public var total: Int64?

    public init(id: String? = nil, status: String, current: Int64? = nil, total: Int64? = nil) {
        self.id = id
        self.status = status
        self.current = current
        self.total = total
    }

    /// docker's plain (non-terminal) rendering: `ID: STATUS [current/total]`.
    public var description: String {
        var line = id.map { "\($0): \(status)" } ?? status
        if let current, let total, total > 0 { line += " \(current)/\(total)" }
        return line
    }

    // The statuses docker prints (distribution/pull_v2.go, xfer/download.go).
    public static let pullingFsLayer = "Pulling fs layer"
    public static let waiting = "Waiting"
    public static let downloading = "Downloading"
    public static let verifying = "Verifying Checksum"
    public static let downloadComplete = "Download complete"
    public static let extracting = "Extracting"
    public static let pullComplete = "Pull complete"
    public static let alreadyExists = "Already exists"
    public static let preparing = "Preparing"
    public static let pushing = "Pushing"
    public static let pushed = "Pushed"
    public static let layerAlreadyExists = "Layer already exists"
}

/// Where progress goes; called from whichever thread made progress.
public typealias ProgressHandler = @Sendable (PullProgress) -> Void

/// Sends "Downloading"/"Extracting" at most every 2% (and at the end), the
/// way docker's progress reader throttles, so a 100 MB layer is ~50 lines.
struct ProgressThrottle {
    let id: String
    let status: String
    let total: Int64
    let handler: ProgressHandler?
    private var lastSent: Int64 = -1

    init(id: String, status: String, total: Int64, handler: ProgressHandler?) {
        self.id = id
        self.status = status
        self.total = total
        self.handler = handler
    }

    mutating func update(_ current: Int64) {
        guard let handler else { return }
        let step = max(total / 50, 256 * 1024)
        if current == total || lastSent < 0 || current - lastSent >= step {
            lastSent = current
            handler(PullProgress(id: id, status: status, current: current, total: total))
        }
    }
}
