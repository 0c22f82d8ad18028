import BerthSystem

/// What a stage starts from.
public enum StageBase: Sendable, Equatable {
    case scratch
    /// An image reference, after ARG expansion.
    case image(String)
    /// An earlier stage of the same Dockerfile, by index.
    case stage(Int)
}

/// A stage the build needs, with what it depends on.
public struct PlannedStage: Sendable, Equatable {
    public var stage: Stage
    public var base: StageBase
    /// `--platform` of the FROM line after expansion.
    public var platform: String?
    /// Indexes of the stages this one needs (FROM, COPY --from, RUN --mount from=).
    public var dependencies: [Int]
    /// Images (not stages) referenced by COPY --from or RUN --mount from=.
    public var externalImages: [String]

    public var index: Int { stage.index }
}

/// The stages needed for a target, their dependency DAG, and the levels in
/// which independent stages can be built concurrently.
public struct BuildPlan: Sendable {
    public let dockerfile: Dockerfile
    public let options: BuildOptions
    public let expander: StageExpander
    /// The needed stages, in Dockerfile order.
    public let stages: [PlannedStage]
    /// The index of the target stage.
    public let target: Int
    /// Stage indexes grouped so that each stage depends only on earlier groups.
    public let levels: [[Int]]
    /// Build args no ARG declares (docker warns: "One or more build-args … were not consumed").
    public let unusedBuildArgs: [String]

    /// Plans the build of `options.target` (or the last stage).
    public init(dockerfile: Dockerfile, options: BuildOptions = BuildOptions()) throws {
        self.dockerfile = dockerfile
        self.options = options
        let expander = try StageExpander(dockerfile: dockerfile, options: options)
        self.expander = expander

        let all = try dockerfile.stages.map { try Self.analyze($0, in: dockerfile, expander: expander) }
        if let name = options.target {
            guard let stage = dockerfile.stage(named: name) else {
                throw BerthError.notFound("target stage \"\(name)\" could not be found")
            }
            target = stage.index
        } else {
            target = dockerfile.stages.count - 1
        }

        // The stages reachable from the target through FROM and --from.
        var needed: Set<Int> = [target]
        var queue = [target]
        while let next = queue.popLast() {
            for dependency in all[next].dependencies where needed.insert(dependency).inserted {
                queue.append(dependency)
            }
        }
        let planned = all.filter { needed.contains($0.index) }
        stages = planned
        levels = try Self.levels(planned, dockerfile: dockerfile)

        var declared = Set(options.automaticArgs.keys).union(BuildOptions.proxyArgs)
        for instruction in dockerfile.metaArgs + planned.flatMap(\.stage.instructions) {
            if case .arg(let args) = instruction.kind { declared.formUnion(args.map(\.name)) }
        }
        unusedBuildArgs = options.buildArgs.keys.filter { !declared.contains($0) }.sorted()
    }

    /// The planned stage with this index.
    public func stage(_ index: Int) -> PlannedStage? {
        stages.first { $0.index == index }
    }

    /// Resolves a stage's base and the stages and images it references.
    private static func analyze(_ stage: Stage, in dockerfile: Dockerfile, expander: StageExpander) throws -> PlannedStage {
        let (baseName, platform) = try expander.expandedBase(of: stage)
        var base = StageBase.image(baseName)
        var dependencies: Set<Int> = []
        // FROM may name an earlier stage (case-insensitive); otherwise it is an image.
        if let parent = dockerfile.stages[..<stage.index].last(where: { $0.name == baseName.lowercased() }) {
            base = .stage(parent.index)
            dependencies.insert(parent.index)
        } else if baseName.lowercased() == "scratch" {
            base = .scratch
        }

        // --from values are expanded with the stage's ARGs; the base image's
        // ENV is not known yet and docker's --from rarely depends on it.
        let expanded = try expander.expand(stage, base: StageState())
        var images: [String] = []
        for step in expanded.steps {
            var references: [String] = []
            switch step.instruction.kind {
            case .copy(let copy):
                if let from = copy.from { references.append(from) }
            case .run(let run):
                references += run.mounts.compactMap { MountSpec.from($0) }
            default:
                break
            }
            for reference in references {
                if let index = try resolveStage(reference, from: stage, in: dockerfile, line: step.instruction.line) {
                    dependencies.insert(index)
                } else if !images.contains(reference) {
                    images.append(reference)
                }
            }
        }
        return PlannedStage(stage: stage, base: base, platform: platform,
                            dependencies: dependencies.sorted(), externalImages: images)
    }

    /// A `--from` value as a stage index: a stage name or a number; nil for an image.
    private static func resolveStage(_ reference: String, from stage: Stage, in dockerfile: Dockerfile,
                                     line: Int) throws -> Int? {
        let target: Int?
        if let named = dockerfile.stage(named: reference) {
            target = named.index
        } else if let number = Int(reference) {
            guard number >= 0 && number < dockerfile.stages.count else {
                throw BerthError.invalidArgument("\(dockerfile.filename):\(line): invalid from flag value \(reference): index out of bounds")
            }
            target = number
        } else {
            target = nil
        }
        if target == stage.index {
            throw BerthError.invalidArgument("\(dockerfile.filename):\(line): circular dependency detected on stage: \(stage.displayName)")
        }
        return target
    }

    /// Kahn's algorithm by layers; a cycle is an error naming a stage in it.
    private static func levels(_ stages: [PlannedStage], dockerfile: Dockerfile) throws -> [[Int]] {
        var remaining = Dictionary(uniqueKeysWithValues: stages.map { ($0.index, Set($0.dependencies)) })
        var levels: [[Int]] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isEmpty }.keys.sorted()
            guard !ready.isEmpty else {
                let stuck = dockerfile.stages[remaining.keys.min()!]
                throw BerthError.invalidArgument("circular dependency detected on stage: \(stuck.displayName)")
            }
            levels.append(ready)
            for index in ready { remaining[index] = nil }
            for key in remaining.keys { remaining[key]!.subtract(ready) }
        }
        return levels
    }
}

/// The parts of a `RUN --mount` value the plan needs (CSV of key=value).
enum MountSpec {
    /// The `from=` of a mount: a stage or an image the mount reads from.
    static func from(_ spec: String) -> String? {
        for field in spec.split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingWhitespace().lowercased() == "from" {
                return pair[1].trimmingWhitespace()
            }
        }
        return nil
    }
}
