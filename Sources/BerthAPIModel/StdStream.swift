/// The streams of docker's multiplexed format, in the first byte of each
/// 8-byte frame header (moby's `stdcopy.StdType`).
public enum StdStream: UInt8, Sendable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    /// Errors of the daemon itself written into an already started stream.
    case systemErr = 3
}

/// One chunk of a container's log, as a backend yields it: which stream, the
/// bytes, and the RFC 3339 timestamp the log driver recorded (nanoseconds).
public struct LogFrame: Sendable, Equatable {
    public var stream: StdStream
    public var bytes: [UInt8]
    public var timestamp: String?

    public init(stream: StdStream, bytes: [UInt8], timestamp: String? = nil) {
        self.stream = stream
        self.bytes = bytes
        self.timestamp = timestamp
    }
}

/// A container's logs: whether it has a TTY (then the API writes raw bytes,
/// else the multiplexed format) and the frames.
public struct LogStream: Sendable {
    public var tty: Bool
    public var frames: AsyncThrowingStream<LogFrame, any Error>

    public init(tty: Bool, frames: AsyncThrowingStream<LogFrame, any Error>) {
        self.tty = tty
        self.frames = frames
    }
}
