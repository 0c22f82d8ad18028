import BerthSystem

/// A Docker Engine API version ("1.50"), ordered numerically, so that
/// handlers can keep the fields that differ by version (moby's `versions`).
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses "1.50"; nil when the text is not `major.minor` digits.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]),
              major >= 0, minor >= 0 else { return nil }
        self.init(major, minor)
    }

    /// The oldest version served: dockerd 20.10's `MinAPIVersion` (dockerd 25+
    /// says 1.24), low enough for docker-compose 1.29, which speaks 1.21 for
    /// version-1 compose files.
    public static let minimum = APIVersion(1, 12)
    /// The version served by default and the newest accepted.
    public static let current = APIVersion(1, 50)

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
