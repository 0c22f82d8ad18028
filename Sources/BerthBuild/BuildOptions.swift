/// What the user asked of a build: `--build-arg`, `--target`, `--platform`.
public struct BuildOptions: Sendable, Equatable {
    public var buildArgs: [String: String]
    /// The stage to build (case-insensitive); the last stage when nil.
    public var target: String?
    /// `os/arch[/variant]` of the image to build; the host's when nil.
    public var targetPlatform: String?
    /// `os/arch[/variant]` of the machine building.
    public var buildPlatform: String?

    public init(buildArgs: [String: String] = [:], target: String? = nil,
                targetPlatform: String? = nil, buildPlatform: String? = nil) {
        self.buildArgs = buildArgs
        self.target = target
        self.targetPlatform = targetPlatform
        self.buildPlatform = buildPlatform
    }

    /// Build args docker accepts without an ARG declaration and hands to RUN
    /// (builder/dockerfile/buildargs.go's builtinAllowedBuildArgs).
    public static let proxyArgs: Set<String> = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ]

    /// The host platform in OCI terms.
    public static var hostPlatform: String {
        #if arch(x86_64)
        "linux/amd64"
        #elseif arch(arm64)
        "linux/arm64"
        #elseif arch(arm)
        "linux/arm/v7"
        #else
        "linux/unknown"
        #endif
    }

    /// BuildKit's automatic platform ARGs (global scope, redeclare to use in a stage).
    public var automaticArgs: [String: String] {
        var result: [String: String] = [:]
        for (prefix, platform) in [("BUILD", buildPlatform ?? Self.hostPlatform),
                                   ("TARGET", targetPlatform ?? Self.hostPlatform)] {
            let parts = platform.split(separator: "/").map(String.init)
            result[prefix + "PLATFORM"] = platform
            result[prefix + "OS"] = parts.first ?? ""
            result[prefix + "ARCH"] = parts.count > 1 ? parts[1] : ""
            result[prefix + "VARIANT"] = parts.count > 2 ? parts[2] : ""
        }
        return result
    }
}
