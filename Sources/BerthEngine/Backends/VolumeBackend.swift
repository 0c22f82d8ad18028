/// The volume routes (moby's router/volume/backend.go). Unknown volumes throw
/// `.notFound` with "get <name>: no such volume".
public protocol VolumeBackend: Sendable {
    func volumeList(filters: Filters) async throws -> VolumeListResponse
    func volumeCreate(_ options: VolumeCreateOptions) async throws -> Volume
    func volumeInspect(_ name: String) async throws -> Volume
    func volumeRemove(_ name: String, force: Bool) async throws
    func volumesPrune(filters: Filters) async throws -> VolumePruneResponse
}
