/// One line of docker's streamed JSON progress (pull, push, load, import,
/// build): moby's `jsonmessage.JSONMessage`. The spec documents its subsets as
/// CreateImageInfo, PushImageInfo and BuildInfo; the CLI decodes this union.
public struct JSONMessage: Codable, Sendable, Equatable {
    public var stream: String?
    public var status: String?
    public var progressDetail: ProgressDetail?
    /// Pre-rendered progress bar, for clients that print `progress` as is.
    public var progress: String?
    public var id: String?
    public var from: String?
    public var time: Int64?
    public var timeNano: Int64?
    public var errorDetail: ErrorDetail?
    /// Deprecated by moby in favour of errorDetail, still read by docker-py.
    public var error: String?
    /// Auxiliary data: the image ID of a build, the digest of a push.
    public var aux: JSONValue?

    public init(stream: String? = nil, status: String? = nil, progressDetail: ProgressDetail? = nil,
                progress: String? = nil, id: String? = nil, errorDetail: ErrorDetail? = nil,
                aux: JSONValue? = nil) {
        self.stream = stream
        self.status = status
        self.progressDetail = progressDetail
        self.progress = progress
        self.id = id
        self.errorDetail = errorDetail
        self.error = errorDetail?.message
        self.aux = aux
    }

    /// The message a stream ends with when it fails after its headers were
    /// sent: docker clients print `error` and exit non-zero.
    public static func failure(_ message: String) -> JSONMessage {
        JSONMessage(errorDetail: ErrorDetail(message: message))
    }
}
