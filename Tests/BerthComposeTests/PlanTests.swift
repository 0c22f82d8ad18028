import XCTest
import BerthSystem
@testable import BerthCompose

final class PlanTests: XCTestCase {
    let yaml = """
    services:
      db:
        image: postgres
        volumes: ["data:/var/lib/postgresql/data"]
      api:
        image: api
        environment: {MODE: prod}
        depends_on:
          db: {condition: service_healthy}
      web:
        image: web
        depends_on:
          api: {condition: service_started, restart: true}
      sidecar:
        image: busybox
        network_mode: "service:api"
    volumes:
      data:
    """

    func project(_ text: String? = nil, scale: Int? = nil) throws -> Project {
        var p = try ProjectLoader.load(files: [("/srv/app/compose.yaml", text ?? yaml)], projectDir: "/srv/app", environment: [:],
                                       options: ProjectOptions(workingDirectory: "/srv/app", projectName: "app", environment: [:]))
        if let scale { p.services["web"]!.scale = scale }
        return p
    }

    /// The engine's state after running `plan`: what a real `up` would leave.
    func apply(_ plan: ComposePlan, to state: ActualState) -> ActualState {
        var s = state
        var counter = s.containers.count
        func newID() -> String { counter += 1; return "id\(counter)" }
        for action in plan.actions {
            switch action {
            case .createNetwork(_, let name, let labels): s.networks.append(ExistingObject(name: name, labels: labels))
            case .createVolume(_, let name, let labels): s.volumes.append(ExistingObject(name: name, labels: labels))
            case .createContainer(let spec):
                s.containers.append(ExistingContainer(id: newID(), name: spec.name, labels: spec.labels, state: .created))
            case .recreateContainer(let old, let spec):
                s.containers.removeAll { $0.id == old.id }
                s.containers.append(ExistingContainer(id: newID(), name: spec.name, labels: spec.labels, state: .created))
            case .startContainer(let ref):
                if let i = s.containers.firstIndex(where: { $0.name == ref.name }) { s.containers[i].state = .running }
            case .stopContainer(let ref):
                if let i = s.containers.firstIndex(where: { $0.id == ref.id }) { s.containers[i].state = .exited }
            case .removeContainer(let ref, _): s.containers.removeAll { $0.id == ref.id }
            case .removeNetwork(let name): s.networks.removeAll { $0.name == name }
            case .removeVolume(let name): s.volumes.removeAll { $0.name == name }
            }
        }
        return s
    }

    func describe(_ plan: ComposePlan) -> [String] {
        plan.actions.map { a in
            switch a {
            case .createNetwork(_, let name, _): return "create network \(name)"
            case .createVolume(_, let name, _): return "create volume \(name)"
            case .createContainer(let spec): return "create \(spec.name)"
            case .recreateContainer(_, let spec): return "recreate \(spec.name)"
            case .startContainer(let ref): return "start \(ref.name)"
            case .stopContainer(let ref): return "stop \(ref.name)"
            case .removeContainer(let ref, let volumes): return "remove \(ref.name)\(volumes ? " -v" : "")"
            case .removeNetwork(let name): return "remove network \(name)"
            case .removeVolume(let name): return "remove volume \(name)"
            }
        }
    }

    func testFirstUpCreatesInDependencyOrderAndSecondUpDoesNothing() throws {
        let p = try project()
        let planner = ComposePlanner(project: p, version: "test")
        let first = try planner.up(actual: ActualState())
        XCTAssertEqual(describe(first), [
            "create network app_default", "create volume app_data",
            "create app-db-1", "create app-api-1", "create app-sidecar-1", "create app-web-1",
            "start app-db-1", "start app-api-1", "start app-sidecar-1", "start app-web-1",
        ])
        guard case .createContainer(let spec) = first.actions[3] else { return XCTFail() }
        XCTAssertEqual(spec.labels[ComposeLabel.project], "app")
        XCTAssertEqual(spec.labels[ComposeLabel.service], "api")
        XCTAssertEqual(spec.labels[ComposeLabel.containerNumber], "1")
        XCTAssertEqual(spec.labels[ComposeLabel.oneoff], "False")
        XCTAssertEqual(spec.labels[ComposeLabel.configHash], p.services["api"]!.configHash())
        XCTAssertEqual(spec.labels[ComposeLabel.version], "test")
        XCTAssertEqual(spec.labels[ComposeLabel.workingDir], "/srv/app")
        XCTAssertEqual(spec.labels[ComposeLabel.configFiles], "/srv/app/compose.yaml")
        XCTAssertEqual(spec.labels[ComposeLabel.dependsOn], "db:service_healthy:false")
        guard case .createNetwork(_, _, let netLabels) = first.actions[0] else { return XCTFail() }
        XCTAssertEqual(netLabels[ComposeLabel.network], "default")

        let state = apply(first, to: ActualState())
        let second = try planner.up(actual: state)
        XCTAssertEqual(second.actions, [], "\(describe(second))")
        XCTAssertEqual(second.warnings, [])
    }

    func testChangedEnvironmentRecreatesThatServiceAndWhatFollowsIt() throws {
        let planner = ComposePlanner(project: try project())
        let state = apply(try planner.up(actual: ActualState()), to: ActualState())
        let changed = try project(yaml.replacingOccurrences(of: "MODE: prod", with: "MODE: dev"))
        let plan = try ComposePlanner(project: changed).up(actual: state)
        // web restarts because of `restart: true`; sidecar shares api's network
        // namespace so it is recreated; db is untouched.
        XCTAssertEqual(describe(plan), ["stop app-web-1", "recreate app-api-1", "recreate app-sidecar-1", "start app-api-1", "start app-sidecar-1", "start app-web-1"])
        let after = apply(plan, to: state)
        XCTAssertEqual(try ComposePlanner(project: changed).up(actual: after).actions, [])
    }

    func testChangeWithoutRestartDependentTouchesOnlyThatService() throws {
        let planner = ComposePlanner(project: try project())
        let state = apply(try planner.up(actual: ActualState()), to: ActualState())
        let changed = try project(yaml.replacingOccurrences(of: "image: web", with: "image: web:2"))
        XCTAssertEqual(describe(try ComposePlanner(project: changed).up(actual: state)), ["recreate app-web-1", "start app-web-1"])
    }

    func testScaleUpAndDown() throws {
        let three = try project(scale: 3)
        var state = apply(try ComposePlanner(project: three).up(actual: ActualState()), to: ActualState())
        XCTAssertEqual(state.containers.filter { $0.service == "web" }.map(\.name).sorted(), ["app-web-1", "app-web-2", "app-web-3"])
        let one = try project(scale: 1)
        let down = try ComposePlanner(project: one).up(actual: state)
        XCTAssertEqual(describe(down), ["stop app-web-2", "remove app-web-2", "stop app-web-3", "remove app-web-3"])
        state = apply(down, to: state)
        XCTAssertEqual(state.containers.filter { $0.service == "web" }.map(\.name), ["app-web-1"])
        // --scale on the command line wins over the file.
        let up = try ComposePlanner(project: one).up(actual: state, options: { var o = UpOptions(); o.scale = ["web": 2]; return o }())
        XCTAssertEqual(describe(up), ["create app-web-2", "start app-web-2"])
    }

    func testStoppedContainersAreStartedNotRecreated() throws {
        let planner = ComposePlanner(project: try project())
        var state = apply(try planner.up(actual: ActualState()), to: ActualState())
        let i = state.containers.firstIndex { $0.name == "app-db-1" }!
        state.containers[i].state = .exited
        XCTAssertEqual(describe(try planner.up(actual: state)), ["start app-db-1"])
    }

    func testForceNoRecreateNoDepsAndSubsets() throws {
        let planner = ComposePlanner(project: try project())
        let state = apply(try planner.up(actual: ActualState()), to: ActualState())
        var o = UpOptions()
        o.services = ["db"]
        o.forceRecreate = true
        XCTAssertEqual(describe(try planner.up(actual: state, options: o)), ["recreate app-db-1", "start app-db-1"])

        let changed = try project(yaml.replacingOccurrences(of: "image: postgres", with: "image: postgres:17"))
        o = UpOptions()
        o.noRecreate = true
        XCTAssertEqual(try ComposePlanner(project: changed).up(actual: state, options: o).actions, [])

        // `up web` brings web's dependencies; with --no-deps only web.
        o = UpOptions()
        o.services = ["web"]
        XCTAssertEqual(describe(try planner.up(actual: ActualState(), options: o)).filter { $0.hasPrefix("create app") },
                       ["create app-db-1", "create app-api-1", "create app-web-1"])
        o.noDeps = true
        XCTAssertEqual(describe(try planner.up(actual: ActualState(), options: o)).filter { $0.hasPrefix("create app") }, ["create app-web-1"])
    }

    func testOrphansAndExternalObjects() throws {
        let planner = ComposePlanner(project: try project())
        var state = apply(try planner.up(actual: ActualState()), to: ActualState())
        state.containers.append(ExistingContainer(id: "old", name: "app-legacy-1", labels: [
            ComposeLabel.project: "app", ComposeLabel.service: "legacy", ComposeLabel.containerNumber: "1", ComposeLabel.oneoff: "False",
        ], state: .running))
        state.containers.append(ExistingContainer(id: "other", name: "other-x-1", labels: [ComposeLabel.project: "other", ComposeLabel.service: "x"], state: .running))
        let warn = try planner.up(actual: state)
        XCTAssertEqual(warn.actions, [])
        XCTAssertEqual(warn.warnings.count, 1)
        XCTAssertTrue(warn.warnings[0].hasPrefix("Found orphan containers (app-legacy-1)"))
        var o = UpOptions()
        o.removeOrphans = true
        XCTAssertEqual(describe(try planner.up(actual: state, options: o)), ["stop app-legacy-1", "remove app-legacy-1"])

        let ext = try project("services:\n  a:\n    image: x\n    networks: [shared]\nnetworks:\n  shared:\n    external: true\n")
        XCTAssertEqual(errorMessage { try ComposePlanner(project: ext).up(actual: ActualState()) },
                       "network shared declared as external, but could not be found")
        XCTAssertEqual(describe(try ComposePlanner(project: ext).up(actual: ActualState(networks: [ExistingObject(name: "shared")]))),
                       ["create app-a-1", "start app-a-1"])
    }

    func testDownStopsDependentsFirstAndRemovesVolumesOnlyWithV() throws {
        let planner = ComposePlanner(project: try project())
        let state = apply(try planner.up(actual: ActualState()), to: ActualState())
        let plan = try planner.down(actual: state)
        XCTAssertEqual(describe(plan), [
            "stop app-web-1", "stop app-sidecar-1", "stop app-api-1", "stop app-db-1",
            "remove app-web-1", "remove app-sidecar-1", "remove app-api-1", "remove app-db-1",
            "remove network app_default",
        ])
        let withVolumes = try planner.down(actual: state, options: DownOptions(removeVolumes: true))
        XCTAssertEqual(describe(withVolumes).suffix(2), ["remove network app_default", "remove volume app_data"])
        XCTAssertTrue(describe(withVolumes).contains("remove app-db-1 -v"))
        let empty = apply(withVolumes, to: state)
        XCTAssertEqual(empty, ActualState())
        XCTAssertEqual(try planner.down(actual: empty).actions, [])
    }

    func testCycleIsAnErrorNamingIt() throws {
        var p = try project()
        p.services["db"]!.dependsOn["web"] = ServiceDependency()
        XCTAssertEqual(errorMessage { try ComposePlanner(project: p).up(actual: ActualState()) },
                       "dependency cycle detected: api -> db -> web -> api")
    }

    /// Each action with the actions it waits for, as "action <- a, b".
    func describeSchedule(_ plan: ComposePlan, _ project: Project) -> [String] {
        let names = describe(plan)
        return zip(names, plan.prerequisites(DependencyGraph(project))).map { name, before in
            before.isEmpty ? name : name + " <- " + before.map { names[$0] }.joined(separator: ", ")
        }
    }

    func testUpRunsIndependentServicesTogetherAndWaitsForDependencies() throws {
        let p = try project()
        let plan = try ComposePlanner(project: p).up(actual: ActualState())
        let objects = "create network app_default, create volume app_data"
        XCTAssertEqual(describeSchedule(plan, p), [
            "create network app_default", "create volume app_data",
            "create app-db-1 <- \(objects)",
            "create app-api-1 <- \(objects), create app-db-1",
            "create app-sidecar-1 <- \(objects), create app-api-1",
            "create app-web-1 <- \(objects), create app-api-1",
            // db starts while the others are still being created.
            "start app-db-1 <- \(objects), create app-db-1",
            "start app-api-1 <- \(objects), create app-db-1, create app-api-1, start app-db-1",
            "start app-sidecar-1 <- \(objects), create app-api-1, create app-sidecar-1, start app-api-1",
            "start app-web-1 <- \(objects), create app-api-1, create app-web-1, start app-api-1",
        ])
    }

    func testScaledServiceContainersRunTogetherAndRecreateWaitsForStops() throws {
        let p = try project(scale: 2)
        let state = apply(try ComposePlanner(project: p).up(actual: ActualState()), to: ActualState())
        let changed = try project(yaml.replacingOccurrences(of: "MODE: prod", with: "MODE: dev"), scale: 2)
        let plan = try ComposePlanner(project: changed).up(actual: state)
        XCTAssertEqual(describeSchedule(plan, changed), [
            "stop app-web-1", "stop app-web-2",
            "recreate app-api-1 <- stop app-web-1, stop app-web-2",
            "recreate app-sidecar-1 <- stop app-web-1, stop app-web-2, recreate app-api-1",
            "start app-api-1 <- stop app-web-1, stop app-web-2, recreate app-api-1",
            "start app-sidecar-1 <- stop app-web-1, stop app-web-2, recreate app-api-1, recreate app-sidecar-1, start app-api-1",
            // Both web containers start at once, after api.
            "start app-web-1 <- stop app-web-1, stop app-web-2, recreate app-api-1, start app-api-1",
            "start app-web-2 <- stop app-web-1, stop app-web-2, recreate app-api-1, start app-api-1",
        ])
    }

    func testDownStopsDependentsFirstAndRemovesNetworksLast() throws {
        let p = try project()
        let state = apply(try ComposePlanner(project: p).up(actual: ActualState()), to: ActualState())
        let plan = try ComposePlanner(project: p).down(actual: state, options: DownOptions(removeVolumes: true))
        let schedule = describeSchedule(plan, p)
        XCTAssertEqual(schedule.filter { $0.hasPrefix("stop") || $0.hasPrefix("remove app") }, [
            "stop app-web-1", "stop app-sidecar-1",
            "stop app-api-1 <- stop app-web-1, stop app-sidecar-1",
            "stop app-db-1 <- stop app-api-1",
            "remove app-web-1 -v <- stop app-web-1",
            "remove app-sidecar-1 -v <- stop app-sidecar-1",
            "remove app-api-1 -v <- stop app-web-1, stop app-sidecar-1, stop app-api-1, remove app-web-1 -v, remove app-sidecar-1 -v",
            "remove app-db-1 -v <- stop app-api-1, stop app-db-1, remove app-api-1 -v",
        ])
        let containerActions = (0..<8).map { describe(plan)[$0] }.joined(separator: ", ")
        XCTAssertEqual(schedule.filter { $0.hasPrefix("remove network") || $0.hasPrefix("remove volume") }, [
            "remove network app_default <- \(containerActions)",
            "remove volume app_data <- \(containerActions)",
        ])
    }
}
