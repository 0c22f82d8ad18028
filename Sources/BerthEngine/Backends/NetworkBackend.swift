/// The network routes (moby's router/network/backend.go). Unknown networks
/// throw `.notFound` with "network <name> not found".
public protocol NetworkBackend: Sendable {
    func networkList(filters: Filters) async throws -> [Network]
    func networkInspect(_ id: String, verbose: Bool, scope: String?) async throws -> Network
    func networkCreate(_ request: NetworkCreateRequest) async throws -> NetworkCreateResponse
    func networkRemove(_ id: String) async throws
    func networkConnect(_ id: String, _ request: NetworkConnectRequest) async throws
    func networkDisconnect(_ id: String, _ request: NetworkDisconnectRequest) async throws
    func networksPrune(filters: Filters) async throws -> NetworkPruneResponse
}
