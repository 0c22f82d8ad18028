/// Bytes flowing through the API without being decoded: request bodies of
/// uploads (build context, image load, archive PUT) and response bodies of
/// downloads (export, save, archive GET). Chunks arrive as the peer sends them.
public typealias ByteStream = AsyncThrowingStream<[UInt8], any Error>

/// The API's side of an attach or exec-start request, handed to a backend
/// that takes the connection over once it knows the request is valid: moby's
/// `ContainerAttachConfig.GetStreams`. Errors thrown before `hijack` become
/// ordinary HTTP errors; after it, the connection belongs to the backend.
public protocol HijackRequest: Sendable {
    /// Answers the request (`101 UPGRADED` when the client sent
    /// `Upgrade: tcp`, else `200 OK`, as dockerd) with the content type
    /// `application/vnd.docker.multiplexed-stream` when `multiplexed` (no TTY)
    /// or `application/vnd.docker.raw-stream`, and returns the raw connection.
    func hijack(multiplexed: Bool) async throws -> any HijackedConnection
}

/// A connection taken over from HTTP: the client's bytes in, the container's
/// output out. The API closes it when the backend's method returns.
public protocol HijackedConnection: Sendable {
    /// The client's bytes (the process's stdin). It finishes when the client
    /// closes its write side (docker's `CloseWrite` = stdin EOF) or goes away.
    var input: ByteStream { get }
    /// Writes output; framed with the 8-byte stream header when multiplexed,
    /// raw otherwise.
    func write(_ bytes: [UInt8], stream: StdStream) async throws
    /// Closes both directions.
    func close() async
}

/// A wait that has been registered and can be awaited later: dockerd sends
/// the `200` headers of `/wait` as soon as the wait is in place, before the
/// container exits (the docker CLI's `run` relies on that ordering).
public struct PendingWait: Sendable {
    public let result: @Sendable () async throws -> ContainerWaitResponse

    public init(_ result: @escaping @Sendable () async throws -> ContainerWaitResponse) {
        self.result = result
    }
}
