import BerthOCI
import BerthSystem

/// The routers whose services are not wired into the daemon yet (images come
/// from BerthImages, networks from BerthNetwork, volumes later):
/// every call answers 501 with a message naming what is missing, except
/// image inspect, which the container images resolve.
public struct UnwiredImages: ImageBackend {
    let images: any ContainerImages
    public init(images: any ContainerImages) { self.images = images }
    public func imagePull(_ options: ImagePullOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageImport(_ options: ImageImportOptions, source: ByteStream) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageList(_ options: ImageListOptions) async throws -> [ImageSummary] { [] }
    public func imageInspect(_ name: String, manifests: Bool) async throws -> ImageInspect {
        let image = try await images.resolve(name)
        var inspect = ImageInspect()
        inspect.id = image.id
        inspect.repoTags = [image.name]
        inspect.repoDigests = []
        inspect.os = image.config.os
        inspect.architecture = image.config.architecture
        inspect.created = image.config.created
        return inspect
    }
    public func imageHistory(_ name: String, platform: String?) async throws -> [ImageHistoryResponseItem] {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imagePush(_ name: String, options: ImagePushOptions) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageTag(_ name: String, repo: String, tag: String?) async throws {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageRemove(_ name: String, options: ImageRemoveOptions) async throws -> [ImageDeleteResponseItem] {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageSearch(_ term: String, limit: Int?, filters: Filters, auth: AuthConfig?) async throws -> [ImageSearchResponseItem] {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imagesPrune(filters: Filters) async throws -> ImagePruneResponse {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageSave(_ names: [String], platforms: [String]) async throws -> ByteStream {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func imageLoad(_ archive: ByteStream, quiet: Bool, platforms: [String]) async throws -> AsyncThrowingStream<JSONMessage, any Error> {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
    public func distributionInspect(_ name: String, auth: AuthConfig?) async throws -> DistributionInspect {
        throw BerthError(.notImplemented, "image management (BerthImages) is not wired into berth daemon yet")
    }
}

public struct UnwiredNetworks: NetworkBackend {
    public init() {}
    public func networkList(filters: Filters) async throws -> [Network] { [] }
    public func networkInspect(_ id: String, verbose: Bool, scope: String?) async throws -> Network {
        throw BerthError.notFound("network \(id) not found")
    }
    public func networkCreate(_ request: NetworkCreateRequest) async throws -> NetworkCreateResponse {
        throw BerthError(.notImplemented, "networks (BerthNetwork) is not wired into berth daemon yet")
    }
    public func networkRemove(_ id: String) async throws {
        throw BerthError(.notImplemented, "networks (BerthNetwork) is not wired into berth daemon yet")
    }
    public func networkConnect(_ id: String, _ request: NetworkConnectRequest) async throws {
        throw BerthError(.notImplemented, "networks (BerthNetwork) is not wired into berth daemon yet")
    }
    public func networkDisconnect(_ id: String, _ request: NetworkDisconnectRequest) async throws {
        throw BerthError(.notImplemented, "networks (BerthNetwork) is not wired into berth daemon yet")
    }
    public func networksPrune(filters: Filters) async throws -> NetworkPruneResponse {
        throw BerthError(.notImplemented, "networks (BerthNetwork) is not wired into berth daemon yet")
    }
}

public struct UnwiredVolumes: VolumeBackend {
    public init() {}
    public func volumeList(filters: Filters) async throws -> VolumeListResponse {
        throw BerthError(.notImplemented, "volumes is not wired into berth daemon yet")
    }
    public func volumeCreate(_ options: VolumeCreateOptions) async throws -> Volume {
        throw BerthError(.notImplemented, "volumes is not wired into berth daemon yet")
    }
    public func volumeInspect(_ name: String) async throws -> Volume {
        throw BerthError.notFound("get \(name): no such volume")
    }
    public func volumeRemove(_ name: String, force: Bool) async throws {
        throw BerthError(.notImplemented, "volumes is not wired into berth daemon yet")
    }
    public func volumesPrune(filters: Filters) async throws -> VolumePruneResponse {
        throw BerthError(.notImplemented, "volumes is not wired into berth daemon yet")
    }
}
