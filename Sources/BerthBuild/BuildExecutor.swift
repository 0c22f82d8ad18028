import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// One line of the classic builder's progress, or the built image.
public enum BuildEvent: Sendable, Equatable {
    /// Text for the `stream` field ("Step 2/5 : RUN …\n", " ---> Using cache\n").
    case stream(String)
    /// The image ID of the result (`aux`).
    case built(String)
}

/// What a build was asked beyond the Dockerfile's own options.
public struct BuildRequest: Sendable {
    public var options: BuildOptions
    /// Names of the result (`-t`).
    public var tags: [String]
    /// `--label`: added to the result as a last LABEL step, as docker does.
    public var labels: [String: String]
    public var noCache: Bool
    public var pull: Bool
    public var cacheFrom: [String]
    public var network: String?

    public init(options: BuildOptions = BuildOptions(), tags: [String] = [], labels: [String: String] = [:],
                noCache: Bool = false, pull: Bool = false, cacheFrom: [String] = [], network: String? = nil) {
        self.options = options
        self.tags = tags
        self.labels = labels
        self.noCache = noCache
        self.pull = pull
        self.cacheFrom = cacheFrom
        self.network = network
    }
}

/// Executes a Dockerfile with docker's classic-builder semantics: each
/// step's result is an image, looked up by cache key (parent image ID +
/// expanded instruction + used build args + copied content) before any
/// work is done; only the stages the target needs are built, in order.
/// Every decision is made here; the worker touches the machine.
public struct BuildExecutor: Sendable {
    public let dockerfile: Dockerfile
    public let request: BuildRequest
    public let worker: any BuildWorker
    /// The build context (already filtered by .dockerignore).
    public let context: any SourceTree

    public init(dockerfile: Dockerfile, request: BuildRequest, worker: any BuildWorker, context: any SourceTree) {
        self.dockerfile = dockerfile
        self.request = request
        self.worker = worker
        self.context = context
    }

    /// Builds the target and returns its image. Errors name the Dockerfile line.
    public func run(_ emit: @escaping @Sendable (BuildEvent) -> Void) async throws -> BuildImage {
        let plan = try BuildPlan(dockerfile: dockerfile, options: request.options)
        let total = plan.stages.reduce(0) { $0 + 1 + $1.stage.instructions.count } + (request.labels.isEmpty ? 0 : 1)
        var counter = StepCounter(total: total)
        var built: [Int: (image: BuildImage, state: StageState)] = [:]
        let sources = request.cacheFrom.isEmpty ? [] : try await worker.cacheSources(request.cacheFrom)
        var externals: [String: BuildImage] = [:]

        for planned in plan.stages {
            let stage = planned.stage
            emit(.stream(counter.next(stage.original)))
            var image: BuildImage
            switch planned.base {
            case .scratch:
                image = .scratch
            case .stage(let index):
                guard let parent = built[index]?.image else {
                    throw BerthError.internalError("\(dockerfile.filename):\(stage.line): stage \(index) was not built")
                }
                image = parent
            case .image(let name):
                image = try await located(stage.line) {
                    try await worker.baseImage(name, platform: planned.platform, pull: request.pull) { emit(.stream($0)) }
                }
            }
            emit(.stream(" ---> \(image.shortID)\n"))

            var imageConfig = image.config.config ?? ContainerConfig()
            let base = StageState(env: imageConfig.env ?? [], workdir: imageConfig.workingDir ?? "",
                                  user: imageConfig.user ?? "", shell: imageConfig.shell)
            var instructions = stage
            // The base image's ONBUILD triggers run first, as part of FROM; the new image does not inherit them.
            let triggers = try Self.triggers(of: imageConfig, at: stage.line, filename: dockerfile.filename)
            if !triggers.isEmpty {
                emit(.stream("# Executing \(triggers.count) build trigger\(triggers.count == 1 ? "" : "s")\n"))
                instructions.instructions = triggers + instructions.instructions
                imageConfig.onBuild = nil
            }
            if planned.index == plan.target && !request.labels.isEmpty {
                let pairs = request.labels.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
                let text = "LABEL " + pairs.map { "\(Self.quoted($0.key))=\(Self.quoted($0.value))" }.joined(separator: " ")
                instructions.instructions.append(Instruction(kind: .label(pairs), line: stage.instructions.last?.endLine ?? stage.line,
                                                             endLine: stage.instructions.last?.endLine ?? stage.line, original: text))
            }
            let expanded = try plan.expander.expand(instructions, base: base)
            var config = imageConfig
            var cmdSet = false
            for (position, step) in expanded.steps.enumerated() {
                let after = position + 1 < expanded.steps.count ? expanded.steps[position + 1].state : expanded.finalState
                if position >= triggers.count { emit(.stream(counter.next(step.instruction.original))) }
                image = try await located(step.instruction.line) {
                    try await execute(step, after: after, on: image, config: &config, cmdSet: &cmdSet,
                                      built: built, externals: &externals, sources: sources, emit: emit)
                }
            }
            built[planned.index] = (image, expanded.finalState)
        }

        guard let result = built[plan.target]?.image else {
            throw BerthError.internalError("the target stage was not built")
        }
        if !plan.unusedBuildArgs.isEmpty {
            emit(.stream("[Warning] One or more build-args [\(plan.unusedBuildArgs.joined(separator: " "))] were not consumed\n"))
        }
        if !request.tags.isEmpty { try await worker.tag(result, as: request.tags) }
        emit(.built(result.id))
        emit(.stream("Successfully built \(result.shortID)\n"))
        for tag in request.tags { emit(.stream("Successfully tagged \(Self.displayTag(tag))\n")) }
        return result
    }

    /// One step: its cache key, a cache hit, or the work.
    private func execute(_ step: ExpandedStep, after: StageState, on parent: BuildImage, config: inout ContainerConfig,
                         cmdSet: inout Bool, built: [Int: (image: BuildImage, state: StageState)],
                         externals: inout [String: BuildImage], sources: [BuildImage],
                         emit: @escaping @Sendable (BuildEvent) -> Void) async throws -> BuildImage {
        let parentKey = parent.isScratch ? "scratch" : parent.id
        let state = step.state
        switch step.instruction.kind {
        case .run(let run):
            if !run.mounts.isEmpty { throw BerthError(.notImplemented, "the --mount option requires BuildKit; berth builds with the classic builder") }
            if run.security != nil { throw BerthError(.notImplemented, "the --security option requires BuildKit; berth builds with the classic builder") }
            let arguments: [String]
            switch run.program {
            case .command(let form): arguments = form.prependShell ? state.shell + form.arguments : form.arguments
            // A heredoc script with its own interpreter line: the shell skips `#!` as a comment.
            case .script(let body): arguments = state.shell + [body]
            }
            let key = BuildCacheKey.step(parent: parentKey, step)
            let createdBy = Self.runHistory(arguments, args: step.usedArgs)
            let commit = StepCommit(config: config, createdBy: createdBy, cacheKey: key)
            if let hit = try await cacheHit(key, parent: parent, commit: commit, sources: sources, emit: emit) { return hit }
            let process = RunRequest(arguments: arguments, environment: state.runEnvironment,
                                     workdir: state.workdir, user: state.user, network: run.network ?? request.network)
            do {
                let image = try await worker.run(parent: parent, process, commit) { emit(.stream($0)) }
                emit(.stream(" ---> \(image.shortID)\n"))
                return image
            } catch let failure as RunFailure {
                var message = "The command '\(arguments.joined(separator: " "))' returned a non-zero code: \(failure.exitCode)"
                let tail = failure.tail.trimmingWhitespace()
                if !tail.isEmpty { message += "\nlast output:\n" + tail }
                throw BerthError.invalidArgument(message)
            }

        case .copy(let copy), .add(let copy):
            let isAdd: Bool
            if case .add = step.instruction.kind { isAdd = true } else { isAdd = false }
            let name = isAdd ? "ADD" : "COPY"
            var source = CopySource.context
            if let from = copy.from {
                source = .image(try await fromImage(from, built: built, externals: &externals, emit: emit))
            }
            let (planned, checksum) = try await plan(copy, isAdd: isAdd, workdir: state.workdir, parent: parent, source: source)
            let key = BuildCacheKey.step(parent: parentKey, step, contentDigest: checksum)
            let createdBy = "/bin/sh -c #(nop) \(name) \(copy.from.map { "--from=\($0) " } ?? "")multi:\(checksum.hex) in \(copy.destination) "
            let commit = StepCommit(config: config, createdBy: createdBy, cacheKey: key)
            if let hit = try await cacheHit(key, parent: parent, commit: commit, sources: sources, emit: emit) { return hit }
            let image = try await worker.copy(parent: parent, planned, from: source, commit)
            emit(.stream(" ---> \(image.shortID)\n"))
            return image

        case .workdir(let path):
            config.workingDir = path
            let key = BuildCacheKey.step(parent: parentKey, step)
            let commit = StepCommit(config: config, createdBy: "/bin/sh -c #(nop) WORKDIR \(path)", cacheKey: key)
            if let hit = try await cacheHit(key, parent: parent, commit: commit, sources: sources, emit: emit) { return hit }
            let image = try await worker.makeDirectory(parent: parent, path, commit)
            emit(.stream(" ---> \(image.shortID)\n"))
            return image

        default:
            try Self.apply(step.instruction.kind, after: after, to: &config, cmdSet: &cmdSet)
            let key = BuildCacheKey.step(parent: parentKey, step)
            let commit = StepCommit(config: config, createdBy: "/bin/sh -c #(nop) " + Self.nopText(step.instruction.kind),
                                    cacheKey: key)
            if let hit = try await cacheHit(key, parent: parent, commit: commit, sources: sources, emit: emit) { return hit }
            let image = try await worker.commit(parent: parent, commit)
            emit(.stream(" ---> \(image.shortID)\n"))
            return image
        }
    }

    /// The cached result of a step: this store's record, else a
    /// `--cache-from` image whose history continues the parent's with this step.
    private func cacheHit(_ key: Digest, parent: BuildImage, commit: StepCommit, sources: [BuildImage],
                          emit: @escaping @Sendable (BuildEvent) -> Void) async throws -> BuildImage? {
        guard !request.noCache else { return nil }
        var hit = try await worker.cachedImage(key)
        if hit == nil, let source = sources.first(where: { Self.continues($0, parent: parent, createdBy: commit.createdBy) }) {
            hit = try await worker.restore(parent: parent, from: source, commit)
        }
        guard let hit else { return nil }
        emit(.stream(" ---> Using cache\n"))
        emit(.stream(" ---> \(hit.shortID)\n"))
        return hit
    }

    /// moby's image cache for `--cache-from`: the source's history starts
    /// with the parent's, its next entry is this step, and its layers start
    /// with the parent's.
    static func continues(_ source: BuildImage, parent: BuildImage, createdBy: String) -> Bool {
        let history = parent.config.history ?? []
        let theirs = source.config.history ?? []
        guard theirs.count > history.count else { return false }
        for (mine, other) in zip(history, theirs) where mine.createdBy != other.createdBy || (mine.emptyLayer ?? false) != (other.emptyLayer ?? false) {
            return false
        }
        guard theirs[history.count].createdBy == createdBy else { return false }
        let diffIDs = parent.config.rootfs.diffIDs
        let needed = diffIDs.count + (theirs[history.count].emptyLayer == true ? 0 : 1)
        return source.config.rootfs.diffIDs.count >= needed && source.config.rootfs.diffIDs.starts(with: diffIDs)
    }

    /// The image a `--from` names: a built stage, or an image (pulled when missing).
    private func fromImage(_ from: String, built: [Int: (image: BuildImage, state: StageState)],
                           externals: inout [String: BuildImage], emit: @escaping @Sendable (BuildEvent) -> Void) async throws -> BuildImage {
        if let stage = dockerfile.stage(named: from) ?? Int(from).flatMap({ $0 < dockerfile.stages.count ? dockerfile.stages[$0] : nil }) {
            guard let image = built[stage.index]?.image else {
                throw BerthError.invalidArgument("stage \(stage.displayName) is not built before it is used")
            }
            return image
        }
        if let image = externals[from] { return image }
        let image = try await worker.baseImage(from, platform: nil, pull: false) { emit(.stream($0)) }
        externals[from] = image
        return image
    }

    /// The copy plan and its content checksum: destinations resolved
    /// against the parent's rootfs, `--chown` against its /etc/passwd and
    /// /etc/group, sources read from the context or the `--from` image.
    private func plan(_ copy: FileCopy, isAdd: Bool, workdir: String, parent: BuildImage,
                      source: CopySource) async throws -> (CopyPlan, Digest) {
        try await withRootfs(parent) { root in
            let owner = try copy.chown.map {
                try Ownership.resolve(chown: $0, passwd: root.text("/etc/passwd"), group: root.text("/etc/group"))
            }
            func planned(_ tree: any SourceTree) throws -> (CopyPlan, Digest) {
                let plan = try CopyPlanner(source: tree, isDirectoryInImage: root.isDirectory)
                    .plan(copy, isAdd: isAdd, workdir: workdir, owner: owner)
                if let remote = plan.remote.first {
                    throw BerthError(.notImplemented, "\(isAdd ? "ADD" : "COPY") failed: downloading \(remote.url) is not supported by berth (the daemon fetches no URLs); download it into the build context")
                }
                return (plan, try plan.checksum(reading: tree))
            }
            switch source {
            case .context:
                return try planned(context)
            case .image(let image):
                return try await withRootfs(image) { from in try planned(try from.tree) }
            }
        }
    }

    /// Runs `body` with an image's root filesystem open.
    private func withRootfs<T>(_ image: BuildImage, _ body: (any BuildRootfs) async throws -> T) async throws -> T {
        let root = try await worker.openRootfs(image)
        do {
            let result = try await body(root)
            await root.close()
            return result
        } catch {
            await root.close()
            throw error
        }
    }
}
