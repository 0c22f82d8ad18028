import XCTest
@testable import BerthBuild
@testable import BerthSystem

final class BuildPlanTests: XCTestCase {
    let multiStage = """
        ARG GO=1.22
        FROM golang:${GO} AS deps
        RUN go mod download
        FROM deps AS build
        COPY --from=assets /out /static
        RUN go build -o /app
        FROM node:20 AS assets
        RUN npm run build
        FROM alpine AS lint
        RUN --mount=type=bind,from=build,target=/src lint /src
        FROM scratch
        COPY --from=build /app /app
        COPY --from=busybox:latest /bin/busybox /bin/
        """

    func testDefaultTargetIsLastStageAndPullsInItsDependencies() throws {
        let plan = try BuildPlan(dockerfile: try Dockerfile.parse(multiStage))
        XCTAssertEqual(plan.target, 4)
        XCTAssertEqual(plan.stages.map(\.index), [0, 1, 2, 4], "lint is not needed for the final stage")
        XCTAssertEqual(plan.stage(0)?.base, .image("golang:1.22"))
        XCTAssertEqual(plan.stage(1)?.base, .stage(0))
        XCTAssertEqual(plan.stage(1)?.dependencies, [0, 2])
        XCTAssertEqual(plan.stage(4)?.base, .scratch)
        XCTAssertEqual(plan.stage(4)?.dependencies, [1])
        XCTAssertEqual(plan.stage(4)?.externalImages, ["busybox:latest"])
        XCTAssertEqual(plan.levels, [[0, 2], [1], [4]], "deps and assets can build concurrently")
    }

    func testTargetSelectsOnlyWhatItNeeds() throws {
        let file = try Dockerfile.parse(multiStage)
        let assets = try BuildPlan(dockerfile: file, options: BuildOptions(target: "ASSETS"))
        XCTAssertEqual(assets.stages.map(\.index), [2])
        XCTAssertEqual(assets.levels, [[2]])
        let lint = try BuildPlan(dockerfile: file, options: BuildOptions(target: "lint"))
        XCTAssertEqual(lint.stages.map(\.index), [0, 1, 2, 3], "RUN --mount from= is a dependency")
        XCTAssertEqual(lint.levels, [[0, 2], [1], [3]])
        XCTAssertThrowsError(try BuildPlan(dockerfile: file, options: BuildOptions(target: "nope"))) { error in
            XCTAssertEqual((error as? BerthError)?.message, "target stage \"nope\" could not be found")
        }
    }

    func testBuildArgOverridesMetaArgInFrom() throws {
        let file = try Dockerfile.parse(multiStage)
        let plan = try BuildPlan(dockerfile: file, options: BuildOptions(buildArgs: ["GO": "1.21", "UNUSED": "x"], target: "deps"))
        XCTAssertEqual(plan.stage(0)?.base, .image("golang:1.21"))
        XCTAssertEqual(plan.unusedBuildArgs, ["UNUSED"])
    }

    func testCopyFromByIndexAndExpandedName() throws {
        let file = try Dockerfile.parse("""
            FROM alpine
            RUN true
            FROM alpine AS second
            FROM scratch
            ARG SRC=second
            COPY --from=0 /a /a
            COPY --from=$SRC /b /b
            """)
        let plan = try BuildPlan(dockerfile: file)
        XCTAssertEqual(plan.stage(2)?.dependencies, [0, 1])
        XCTAssertEqual(plan.levels, [[0, 1], [2]])
    }

    func testCyclesAndSelfReferencesAreRefused() throws {
        let selfCopy = try Dockerfile.parse("FROM alpine AS a\nCOPY --from=a /x /x\n")
        XCTAssertThrowsError(try BuildPlan(dockerfile: selfCopy)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "Dockerfile:2: circular dependency detected on stage: a")
        }
        let cycle = try Dockerfile.parse("FROM alpine AS a\nCOPY --from=b /x /x\nFROM a AS b\n")
        XCTAssertThrowsError(try BuildPlan(dockerfile: cycle)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "circular dependency detected on stage: a")
        }
        let outOfRange = try Dockerfile.parse("FROM alpine\nCOPY --from=7 /x /x\n")
        XCTAssertThrowsError(try BuildPlan(dockerfile: outOfRange)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "Dockerfile:2: invalid from flag value 7: index out of bounds")
        }
    }

    func testFromNamingALaterStageIsAnImage() throws {
        let plan = try BuildPlan(dockerfile: try Dockerfile.parse("FROM later AS first\nFROM alpine AS later\n"),
                                 options: BuildOptions(target: "first"))
        XCTAssertEqual(plan.stages.first?.base, .image("later"))
    }

    func testBlankBaseIsRefused() throws {
        let file = try Dockerfile.parse("ARG IMAGE\nFROM ${IMAGE}\n")
        XCTAssertThrowsError(try BuildPlan(dockerfile: file)) { error in
            XCTAssertEqual((error as? BerthError)?.message, "Dockerfile:2: base name (${IMAGE}) should not be blank")
        }
    }

    func testPlatformArgsAreGlobal() throws {
        let file = try Dockerfile.parse("FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nRUN echo $TARGETARCH\n")
        let plan = try BuildPlan(dockerfile: file, options: BuildOptions(targetPlatform: "linux/arm64", buildPlatform: "linux/amd64"))
        XCTAssertEqual(plan.stages[0].platform, "linux/amd64")
        let steps = try plan.expander.expand(plan.stages[0].stage, base: StageState()).steps
        XCTAssertEqual(steps[1].state.runEnvironment, ["TARGETARCH=arm64"])
    }
}
