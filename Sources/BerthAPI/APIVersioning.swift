import BerthEngine
import BerthSystem

/// Splits `/v1.50/containers/json` into the version and the path, and checks
/// the version as dockerd's version middleware (server/middleware/version.go).
enum APIVersioning {
    /// The requested version (current when the path has no prefix) and the bare path.
    static func split(_ path: Substring) throws -> (APIVersion, String) {
        guard path.hasPrefix("/v") else { return (.current, String(path)) }
        let afterV = path.dropFirst(2)
        let end = afterV.firstIndex(of: "/") ?? afterV.endIndex
        let text = afterV[..<end]
        // "/volumes" also starts with "/v": only digits and dots make a version.
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            return (.current, String(path))
        }
        let rest = end == afterV.endIndex ? "/" : String(afterV[end...])
        return (try check(String(text)), rest)
    }

    /// dockerd's messages, word for word: the docker CLI shows them as is.
    static func check(_ text: String) throws -> APIVersion {
        let numbers = text.split(separator: ".").map { Int($0) ?? 0 }
        let version = APIVersion(numbers.first ?? 0, numbers.count > 1 ? numbers[1] : 0)
        if version < .minimum {
            throw BerthError.invalidArgument("client version \(text) is too old. Minimum supported API version is \(APIVersion.minimum), please upgrade your client to a newer version")
        }
        if version > .current {
            throw BerthError.invalidArgument("client version \(text) is too new. Maximum supported API version is \(APIVersion.current)")
        }
        return version
    }
}
