import BerthOCI
import BerthSystem

/// An image a build step starts from or produced: its ID (empty for
/// `scratch`) and its config.
public struct BuildImage: Sendable, Equatable {
    /// "sha256:…", or "" for scratch.
    public var id: String
    public var config: ImageConfig

    public init(id: String, config: ImageConfig) {
        self.id = id
        self.config = config
    }

    /// The empty image of `FROM scratch`, for this host's platform.
    public static var scratch: BuildImage {
        let platform = Platform.current
        return BuildImage(id: "", config: ImageConfig(architecture: platform.architecture, os: platform.os,
                                                      variant: platform.variant, rootfs: .init(diffIDs: [])))
    }

    public var isScratch: Bool { id.isEmpty }

    /// Docker's 12-digit ID as the progress lines show it.
    public var shortID: String {
        let hex = id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)
        return String(hex.prefix(12))
    }
}

/// What a step commits: the image's runtime config after it, the history
/// line and the cache key the result is recorded under.
public struct StepCommit: Sendable, Equatable {
    public var config: ContainerConfig
    /// `created_by` of the history entry (docker's "/bin/sh -c #(nop) …").
    public var createdBy: String
    public var cacheKey: Digest

    public init(config: ContainerConfig, createdBy: String, cacheKey: Digest) {
        self.config = config
        self.createdBy = createdBy
        self.cacheKey = cacheKey
    }
}

/// The process of a RUN step.
public struct RunRequest: Sendable, Equatable {
    /// argv, SHELL already prepended for the shell form.
    public var arguments: [String]
    public var environment: [String]
    public var workdir: String
    public var user: String
    /// `--network` of the build (nil: the engine's default).
    public var network: String?
}

/// Where the files of a COPY/ADD plan are read from.
public enum CopySource: Sendable, Equatable {
    /// The build context.
    case context
    /// The root filesystem of an image (COPY --from=stage|image).
    case image(BuildImage)
}

/// A RUN whose process exited with a non-zero status.
public struct RunFailure: Error, Sendable {
    public var exitCode: Int
    /// The last lines the process wrote.
    public var tail: String

    public init(exitCode: Int, tail: String) {
        self.exitCode = exitCode
        self.tail = tail
    }
}

/// An image's root filesystem opened for reading while a step is planned.
public protocol BuildRootfs: Sendable {
    /// The tree, for COPY --from.
    var tree: any SourceTree { get throws }
    /// Whether the absolute path is a directory (symlinks followed inside the root).
    func isDirectory(_ path: String) -> Bool
    /// A small text file (/etc/passwd, /etc/group), nil when absent.
    func text(_ path: String) -> String?
    /// Releases what opening it took (a mount).
    func close() async
}

/// What the executor needs done on the machine: it decides every step
/// (cache keys, configs, copy plans) and the worker carries them out with
/// the engine's store and runtime. BerthBuild makes no system calls itself.
public protocol BuildWorker: Sendable {
    /// A base image: the local one, pulled when missing or when `pull`.
    func baseImage(_ name: String, platform: String?, pull: Bool,
                   output: @escaping @Sendable (String) -> Void) async throws -> BuildImage
    /// The image recorded under a cache key, if any.
    func cachedImage(_ key: Digest) async throws -> BuildImage?
    /// Images for `--cache-from` (missing ones are skipped, as docker does).
    func cacheSources(_ names: [String]) async throws -> [BuildImage]
    /// A step of `source` (a --cache-from image) whose history and layers
    /// continue `parent`'s, recorded as this build's result of `commit`.
    func restore(parent: BuildImage, from source: BuildImage, _ commit: StepCommit) async throws -> BuildImage
    /// A config-only step (ENV, LABEL, CMD…): no layer.
    func commit(parent: BuildImage, _ commit: StepCommit) async throws -> BuildImage
    /// Runs a RUN step in a container on `parent` and commits what it changed.
    /// Throws `RunFailure` when the process fails.
    func run(parent: BuildImage, _ request: RunRequest, _ commit: StepCommit,
             output: @escaping @Sendable (String) -> Void) async throws -> BuildImage
    /// Writes a COPY/ADD plan onto `parent` and commits it.
    func copy(parent: BuildImage, _ plan: CopyPlan, from source: CopySource, _ commit: StepCommit) async throws -> BuildImage
    /// WORKDIR: creates the directory (root-owned, 0755) when missing, and commits.
    func makeDirectory(parent: BuildImage, _ path: String, _ commit: StepCommit) async throws -> BuildImage
    /// Opens `image`'s root filesystem for reading; the caller closes it.
    func openRootfs(_ image: BuildImage) async throws -> any BuildRootfs
    /// Names the built image.
    func tag(_ image: BuildImage, as names: [String]) async throws
}
