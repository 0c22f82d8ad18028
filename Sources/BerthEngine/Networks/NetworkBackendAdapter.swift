import BerthSystem

/// The network routes over `NetworkService`, with the container service
/// answering which containers exist and run.
public struct NetworkBackendAdapter: NetworkBackend {
    let service: NetworkService
    let containers: ContainerService

    public init(service: NetworkService, containers: ContainerService) {
        self.service = service
        self.containers = containers
    }

    public func networkList(filters: Filters) async throws -> [Network] {
        try filters.validate(allowed: ["dangling", "driver", "id", "label", "name", "scope", "type"])
        return service.list(filters: filters)
    }

    public func networkInspect(_ id: String, verbose: Bool, scope: String?) async throws -> Network {
        try service.inspect(id)
    }

    public func networkCreate(_ request: NetworkCreateRequest) async throws -> NetworkCreateResponse {
        try service.create(request)
    }

    public func networkRemove(_ id: String) async throws {
        try service.remove(id, running: await containers.runningIDs())
    }

    public func networkConnect(_ id: String, _ request: NetworkConnectRequest) async throws {
        let (containerID, running) = try await containers.networkTarget(request.container ?? "")
        try service.connect(id, containerID: containerID, running: running, endpoint: request.endpointConfig)
    }

    public func networkDisconnect(_ id: String, _ request: NetworkDisconnectRequest) async throws {
        let (containerID, _) = try await containers.networkTarget(request.container ?? "")
        try service.disconnect(id, containerID: containerID)
    }

    public func networksPrune(filters: Filters) async throws -> NetworkPruneResponse {
        NetworkPruneResponse(networksDeleted: service.prune(running: await containers.runningIDs()))
    }
}
