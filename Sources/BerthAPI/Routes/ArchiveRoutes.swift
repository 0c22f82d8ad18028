import BerthEngine
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

/// `docker cp`: HEAD/GET/PUT `/containers/{id}/archive` (moby's
/// router/container/copy.go), with the path's stat in
/// `X-Docker-Container-Path-Stat` (base64 of its JSON).
enum ArchiveRoutes {
    static let statHeader = "X-Docker-Container-Path-Stat"

    static func register(_ router: inout Router, _ backend: any ContainerBackend) {
        router.head("/containers/{name}/archive") { request, writer in
            let stat = try await backend.containerArchiveStat(request.param("name"), path: try path(request))
            try await writer.respond(.ok, headers: try headers(stat))
        }
        router.get("/containers/{name}/archive") { request, writer in
            let (stat, archive) = try await backend.containerArchiveGet(request.param("name"), path: try path(request))
            try await StreamWriting.bytes(archive, contentType: "application/x-tar", headers: try headers(stat), to: writer)
        }
        router.put("/containers/{name}/archive", body: .streamed) { request, writer in
            let options = ArchivePutOptions(noOverwriteDirNonDir: request.query.bool("noOverwriteDirNonDir"),
                                            copyUIDGID: request.query.bool("copyUIDGID"))
            try await backend.containerArchivePut(request.param("name"), path: try path(request), options: options,
                                                  archive: request.bodyStream)
            try await writer.respond(.ok)
        }
    }

    private static func path(_ request: APIRequest) throws -> String {
        guard let path = request.query.nonEmpty("path") else {
            throw BerthError.invalidArgument("Bad parameter: 'path' cannot be empty")
        }
        return path
    }

    static func headers(_ stat: PathStat) throws -> HTTPHeaders {
        let json = try JSONBody.encoder.encode(stat)
        return [statHeader: json.base64EncodedString()]
    }
}
