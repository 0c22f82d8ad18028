import BerthOCI
import BerthRegistry
import BerthSystem

extension ImageService {
    /// `docker login` through the daemon (POST /auth): the registry at
    /// `server` must accept the credentials on GET /v2/ (token or basic
    /// auth, as a pull would authenticate). Nothing is stored: the client
    /// keeps the credentials in its config.json and sends them with each
    /// pull and push.
    public func checkLogin(server: String, credentials: RegistryCredentials) async throws {
        let domain = Self.loginDomain(server)
        let client = await makeClient()
        do {
            try await client.checkLogin(domain: domain, credentials: credentials)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// docker's `ConvertToHostname`: "https://index.docker.io/v1/" is
    /// Docker Hub; a scheme and path are dropped ("http://host:5000/v2/" → "host:5000").
    public static func loginDomain(_ server: String) -> String {
        var text = server.isEmpty ? Reference.defaultDomain : server
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text = String(text.dropFirst(scheme.count)) }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        if text == "index.docker.io" || text == "registry-1.docker.io" { return Reference.defaultDomain }
        return text
    }

    /// Bytes of the unpacked layers of all images, each layer once (docker
    /// system df's LayersSize).
    public func layersSize() throws -> Int64 {
        var seen: Set<Digest> = []
        var total: Int64 = 0
        for image in try allImages() {
            for chainID in image.chainIDs where seen.insert(chainID).inserted {
                total += try layerSize(chainID)
            }
        }
        return total
    }

    /// Per image ID, the bytes of its layers that another image shares
    /// (docker's SharedSize).
    public func sharedSizes() throws -> [String: Int64] {
        let images = try allImages()
        var users: [Digest: Int] = [:]
        for image in images { for chainID in Set(image.chainIDs) { users[chainID, default: 0] += 1 } }
        var result: [String: Int64] = [:]
        for image in images {
            result[image.id.description] = try Set(image.chainIDs).filter { users[$0, default: 0] > 1 }
                .reduce(0) { $0 + (try layerSize($1)) }
        }
        return result
    }
}
