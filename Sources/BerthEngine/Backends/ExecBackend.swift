/// The exec routes (moby's router/container/backend.go execBackend). Unknown
/// exec IDs throw `.notFound` with "No such exec instance: <id>".
public protocol ExecBackend: Sendable {
    func execCreate(_ container: String, _ config: ExecConfig) async throws -> IDResponse
    /// Starts the process. `connection` is nil when `config.detach` is set:
    /// then the API answers 200 at once. Otherwise the backend hijacks it
    /// (multiplexed unless the exec has a TTY) and returns when the process
    /// has exited and its output is written.
    func execStart(_ id: String, _ config: ExecStartConfig, connection: (any HijackRequest)?) async throws
    func execResize(_ id: String, height: Int, width: Int) async throws
    func execInspect(_ id: String) async throws -> ExecInspectResponse
}
