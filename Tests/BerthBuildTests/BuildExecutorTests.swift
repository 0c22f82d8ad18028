import XCTest
import Foundation
import Synchronization
@testable import BerthBuild
@testable import BerthSystem
import BerthOCI

/// The executor's decisions, with a recording worker that keeps images in
/// memory: what is asked of the worker, what is printed, what is cached.
final class BuildExecutorTests: XCTestCase {
    /// Images are numbered; the cache maps keys to them.
    final class FakeWorker: BuildWorker, @unchecked Sendable {
        struct State {
            var images: [String: BuildImage] = [:]
            var cache: [Digest: BuildImage] = [:]
            var calls: [String] = []
            var tags: [String] = []
        }
        let state = Mutex(State())
        var calls: [String] { state.withLock { $0.calls } }

        static let base: BuildImage = {
            var config = BuildImage.scratch.config
            config.config = ContainerConfig(env: ["PATH=/bin"], cmd: ["sh"])
            config.rootfs = .init(diffIDs: [try! Digest(parsing: "sha256:" + String(repeating: "1", count: 64))])
            return BuildImage(id: "sha256:" + String(repeating: "b", count: 64), config: config)
        }()

        private func make(_ parent: BuildImage, _ commit: StepCommit, layer: Bool, call: String) -> BuildImage {
            state.withLock { state in
                state.calls.append(call)
                var config = parent.config
                config.config = commit.config
                config.history = (config.history ?? []) + [.init(createdBy: commit.createdBy, emptyLayer: layer ? nil : true)]
                if layer {
                    let hex = String(format: "%064x", state.images.count + 1)
                    config.rootfs.diffIDs.append(try! Digest(parsing: "sha256:" + hex))
                }
                let image = BuildImage(id: "sha256:" + String(format: "%064x", 1000 + state.images.count), config: config)
                state.images[image.id] = image
                state.cache[commit.cacheKey] = image
                return image
            }
        }

        func baseImage(_ name: String, platform: String?, pull: Bool, output: @escaping @Sendable (String) -> Void) async throws -> BuildImage {
            state.withLock { $0.calls.append("base \(name)") }
            return Self.base
        }
        func cachedImage(_ key: Digest) async throws -> BuildImage? { state.withLock { $0.cache[key] } }
        func cacheSources(_ names: [String]) async throws -> [BuildImage] { [] }
        func restore(parent: BuildImage, from source: BuildImage, _ commit: StepCommit) async throws -> BuildImage {
            make(parent, commit, layer: true, call: "restore")
        }
        func commit(parent: BuildImage, _ commit: StepCommit) async throws -> BuildImage {
            make(parent, commit, layer: false, call: "commit \(commit.createdBy)")
        }
        func run(parent: BuildImage, _ request: RunRequest, _ commit: StepCommit, output: @escaping @Sendable (String) -> Void) async throws -> BuildImage {
            if request.arguments.last == "exit 3" { throw RunFailure(exitCode: 3, tail: "boom\n") }
            output("ran \(request.arguments.last ?? "")\n")
            return make(parent, commit, layer: true, call: "run \(request.arguments.joined(separator: " ")) env=\(request.environment.joined(separator: ","))")
        }
        func copy(parent: BuildImage, _ plan: CopyPlan, from source: CopySource, _ commit: StepCommit) async throws -> BuildImage {
            make(parent, commit, layer: true, call: "copy \(plan.summary.keys.sorted().joined(separator: ","))")
        }
        func makeDirectory(parent: BuildImage, _ path: String, _ commit: StepCommit) async throws -> BuildImage {
            make(parent, commit, layer: true, call: "mkdir \(path)")
        }
        func openRootfs(_ image: BuildImage) async throws -> any BuildRootfs { EmptyRoot() }
        func tag(_ image: BuildImage, as names: [String]) async throws { state.withLock { $0.tags += names } }
    }

    struct EmptyRoot: BuildRootfs {
        var tree: any SourceTree { get throws { throw BerthError.notFound("no tree") } }
        func isDirectory(_ path: String) -> Bool { path == "/" }
        func text(_ path: String) -> String? { nil }
        func close() async {}
    }

    var root: String!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-exec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/app", withIntermediateDirectories: true)
        try Data("v1".utf8).write(to: URL(fileURLWithPath: root + "/app/main.txt"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func build(_ text: String, worker: FakeWorker, request: BuildRequest = BuildRequest()) async throws -> (BuildImage, String) {
        let lines = Mutex<[String]>([])
        let executor = BuildExecutor(dockerfile: try Dockerfile.parse(text), request: request, worker: worker,
                                     context: try BuildContext(directory: root))
        let image = try await executor.run { event in
            if case .stream(let text) = event { lines.withLock { $0.append(text) } }
        }
        return (image, lines.withLock { $0.joined() })
    }

    let dockerfile = """
        FROM base
        ARG WHO=world
        ENV GREETING=hi
        RUN echo $GREETING $WHO
        WORKDIR /srv
        COPY app /app
        CMD ["cat", "/app/main.txt"]
        """

    func testStepsPrintAndCallTheWorkerAndARebuildIsAllCache() async throws {
        let worker = FakeWorker()
        let (image, output) = try await build(dockerfile, worker: worker, request: BuildRequest(tags: ["x"]))
        XCTAssertTrue(output.hasPrefix("Step 1/7 : FROM base\n ---> bbbbbbbbbbbb\nStep 2/7 : ARG WHO=world\n"), output)
        XCTAssertTrue(output.contains("Step 4/7 : RUN echo $GREETING $WHO\nran echo $GREETING $WHO\n"), output)
        XCTAssertTrue(output.hasSuffix("Successfully built \(image.shortID)\nSuccessfully tagged x:latest\n"), output)
        XCTAssertEqual(worker.calls, [
            "base base", "commit /bin/sh -c #(nop)  ARG WHO=world", "commit /bin/sh -c #(nop)  ENV GREETING=hi",
            "run /bin/sh -c echo $GREETING $WHO env=PATH=/bin,GREETING=hi,WHO=world", "mkdir /srv", "copy /app,/app/main.txt",
            "commit /bin/sh -c #(nop)  CMD [\"cat\" \"/app/main.txt\"]",
        ])
        XCTAssertEqual(image.config.config?.cmd, ["cat", "/app/main.txt"])
        XCTAssertEqual(image.config.config?.env, ["PATH=/bin", "GREETING=hi"])
        XCTAssertEqual(image.config.config?.workingDir, "/srv")

        let before = worker.calls.count
        let (again, cached) = try await build(dockerfile, worker: worker)
        XCTAssertEqual(again, image)
        XCTAssertEqual(worker.calls.count, before + 1, "only the base is looked up: \(worker.calls)")
        XCTAssertEqual(cached.components(separatedBy: " ---> Using cache\n").count - 1, 6, cached)
    }

    func testABuildArgOrContentChangeInvalidatesFromThatStep() async throws {
        let worker = FakeWorker()
        _ = try await build(dockerfile, worker: worker)
        let (_, changedArg) = try await build(dockerfile, worker: worker,
                                              request: BuildRequest(options: BuildOptions(buildArgs: ["WHO": "you"])))
        XCTAssertEqual(changedArg.components(separatedBy: " ---> Using cache\n").count - 1, 2,
                       "ARG and ENV are cached (as docker's); the RUN sees the new value: \(changedArg)")
        XCTAssertTrue(changedArg.contains("ran echo $GREETING $WHO"), changedArg)
        try Data("v2".utf8).write(to: URL(fileURLWithPath: root + "/app/main.txt"))
        let (_, changedFile) = try await build(dockerfile, worker: worker)
        XCTAssertEqual(changedFile.components(separatedBy: " ---> Using cache\n").count - 1, 4, changedFile)
        let (_, uncached) = try await build(dockerfile, worker: worker, request: BuildRequest(noCache: true))
        XCTAssertFalse(uncached.contains("Using cache"), uncached)
    }

    func testLabelsAreALastStepAndFailuresNameTheLine() async throws {
        let worker = FakeWorker()
        let (image, output) = try await build("FROM base\nRUN true\n", worker: worker,
                                             request: BuildRequest(labels: ["b": "2", "a": "1 2"]))
        XCTAssertTrue(output.contains("Step 3/3 : LABEL a=\"1 2\" b=2\n"), output)
        XCTAssertEqual(image.config.config?.labels, ["a": "1 2", "b": "2"])

        do {
            _ = try await build("FROM base\nRUN true\nRUN exit 3\n", worker: worker)
            XCTFail("expected the RUN to fail")
        } catch let error as BerthError {
            XCTAssertEqual(error.message, "Dockerfile:3: The command '/bin/sh -c exit 3' returned a non-zero code: 3\nlast output:\nboom")
        }
        do {
            _ = try await build("FROM base\nRUN --mount=type=cache,target=/c true\n", worker: worker)
            XCTFail("expected --mount to be refused")
        } catch let error as BerthError {
            XCTAssertEqual(error.code, .notImplemented)
            XCTAssertTrue(error.message.hasPrefix("Dockerfile:2: the --mount option requires BuildKit"), error.message)
        }
    }

    func testCacheFromNeedsTheHistoryToContinueTheParent() {
        let parent = FakeWorker.base
        var source = parent.config
        source.history = [.init(createdBy: "/bin/sh -c echo a"), .init(createdBy: "/bin/sh -c echo b")]
        source.rootfs.diffIDs += [try! Digest(parsing: "sha256:" + String(repeating: "2", count: 64)),
                                  try! Digest(parsing: "sha256:" + String(repeating: "3", count: 64))]
        let image = BuildImage(id: "sha256:" + String(repeating: "c", count: 64), config: source)
        XCTAssertTrue(BuildExecutor.continues(image, parent: parent, createdBy: "/bin/sh -c echo a"))
        XCTAssertFalse(BuildExecutor.continues(image, parent: parent, createdBy: "/bin/sh -c echo b"))
        var other = parent
        other.config.rootfs.diffIDs = [try! Digest(parsing: "sha256:" + String(repeating: "9", count: 64))]
        XCTAssertFalse(BuildExecutor.continues(image, parent: other, createdBy: "/bin/sh -c echo a"), "layers must match")
    }
}
