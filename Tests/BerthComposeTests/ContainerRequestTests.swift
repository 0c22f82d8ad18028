import XCTest
import BerthAPIModel
import BerthSystem
@testable import BerthCompose
@testable import BerthComposeRunner

/// A service's container as the Engine API's create body.
final class ContainerRequestTests: XCTestCase {
    func project(_ text: String) throws -> Project {
        try ProjectLoader.load(files: [("/srv/app/compose.yaml", text)], projectDir: "/srv/app", environment: [:],
                               options: ProjectOptions(workingDirectory: "/srv/app", projectName: "app", environment: [:]))
    }

    func spec(_ p: Project, _ service: String) -> ContainerSpec {
        ContainerSpec(service: service, number: 1, name: p.containerName(service: service, number: 1),
                      labels: p.containerLabels(service: service, number: 1, version: "test"))
    }

    func testServiceBecomesTheCreateBody() throws {
        let p = try project("""
        services:
          web:
            image: web:1
            command: httpd -f -p 80
            environment: {B: "2", A: "1"}
            ports: ["127.0.0.1:8080:80", "9000"]
            expose: ["81"]
            volumes: ["data:/data:ro", "./conf:/etc/conf", "/cache"]
            networks:
              front: {aliases: [www], ipv4_address: 10.5.0.9}
              back: {}
            restart: on-failure:3
            healthcheck: {test: ["CMD", "true"], interval: 2s, retries: 4}
            cap_add: [NET_ADMIN]
            mem_limit: 64m
            cpus: 0.5
            stop_grace_period: 20s
          secretive:
            image: busybox
            network_mode: "service:web"
            secrets: [token]
        networks:
          front: {ipam: {config: [{subnet: 10.5.0.0/24}]}}
          back: {}
        volumes:
          data: {name: shared-data}
        secrets:
          token: {file: ./token.txt}
        """)
        let r = try ContainerRequest(project: p).create(spec(p, "web"))
        XCTAssertEqual(r.image, "web:1")
        XCTAssertEqual(r.cmd, ["httpd", "-f", "-p", "80"])
        XCTAssertEqual(r.env, ["A=1", "B=2"])
        XCTAssertEqual(r.labels?["com.docker.compose.service"], "web")
        XCTAssertEqual(r.labels?["com.docker.compose.config-hash"], p.services["web"]!.configHash())
        XCTAssertEqual(Set(r.exposedPorts?.keys.map { $0 } ?? []), ["80/tcp", "9000/tcp", "81/tcp"])
        XCTAssertEqual(r.stopTimeout, 20)
        XCTAssertEqual(r.healthcheck, HealthConfig(test: ["CMD", "true"], interval: 2_000_000_000, retries: 4))
        let h = try XCTUnwrap(r.hostConfig)
        XCTAssertEqual(h.portBindings?["80/tcp"], [PortBinding(hostIp: "127.0.0.1", hostPort: "8080")])
        XCTAssertEqual(h.portBindings?["9000/tcp"], [PortBinding(hostIp: "", hostPort: "")])
        XCTAssertEqual(h.binds, ["/srv/app/conf:/etc/conf"])
        XCTAssertEqual(h.mounts?.map { [$0.type ?? "", $0.source ?? "-", $0.target ?? "", $0.readOnly == true ? "ro" : "rw"] },
                       [["volume", "shared-data", "/data", "ro"], ["volume", "-", "/cache", "rw"]])
        XCTAssertEqual(h.restartPolicy, RestartPolicy(name: "on-failure", maximumRetryCount: 3))
        XCTAssertEqual(h.capAdd, ["NET_ADMIN"])
        XCTAssertEqual(h.memory, 64 * 1024 * 1024)
        XCTAssertEqual(h.nanoCpus, 500_000_000)
        // One endpoint at create (the first by name), the service name an alias.
        XCTAssertEqual(h.networkMode, "app_back")
        XCTAssertEqual(r.networkingConfig?.endpointsConfig?.keys.sorted(), ["app_back"])
        let endpoints = ContainerRequest(project: p).endpoints("web")
        XCTAssertEqual(endpoints.map(\.network), ["app_back", "app_front"])
        XCTAssertEqual(endpoints[1].settings.aliases, ["web", "www"])
        XCTAssertEqual(endpoints[1].settings.ipamConfig?.iPv4Address, "10.5.0.9")
        // One-off containers do not take the service name as an alias.
        XCTAssertEqual(ContainerRequest(project: p).endpoints("web", oneoff: true)[1].settings.aliases, ["www"])

        var request = ContainerRequest(project: p)
        request.containerOf = { $0 == "web" ? "abc123" : nil }
        let side = try request.create(spec(p, "secretive"))
        XCTAssertEqual(side.hostConfig?.networkMode, "container:abc123")
        XCTAssertNil(side.networkingConfig)
        XCTAssertEqual(side.hostConfig?.mounts?.first?.source, "/srv/app/token.txt")
        XCTAssertEqual(side.hostConfig?.mounts?.first?.target, "/run/secrets/token")
        XCTAssertEqual(side.hostConfig?.mounts?.first?.readOnly, true)
        // Without web's container, service:web cannot be resolved.
        XCTAssertEqual(errorMessage { try ContainerRequest(project: p).create(self.spec(p, "secretive")) },
                       "services.secretive.network_mode: service web has no running container")
    }

    func testDefaultNetworkAndBuiltImageName() throws {
        let p = try project("""
        services:
          app:
            build: .
        """)
        let r = try ContainerRequest(project: p).create(spec(p, "app"))
        XCTAssertEqual(r.image, "app-app")
        XCTAssertEqual(r.hostConfig?.networkMode, "app_default")
        XCTAssertEqual(r.networkingConfig?.endpointsConfig?["app_default"]?.aliases, ["app"])
    }
}
