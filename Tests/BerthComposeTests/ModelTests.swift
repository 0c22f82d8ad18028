import XCTest
import BerthSystem
@testable import BerthCompose

final class ModelTests: XCTestCase {
    static let everyField = """
    name: full
    x-common: &common
      restart: on-failure:3
    services:
      app:
        <<: *common
        image: registry.local/app:1
        build:
          context: ./src
          dockerfile: Dockerfile.prod
          args:
            VERSION: "2"
            FROM_ENV:
          target: runtime
          labels: [built-by=berth]
        entrypoint: ["/init", "--"]
        command: ["run", "--fast"]
        environment:
          PLAIN: value
          NUMBER: 42
          FLAG: true
          ANSWER: yes
        env_file:
          - path: ./missing.env
            required: false
        ports:
          - "127.0.0.1:8000-8001:80-81/udp"
          - "[::1]:9000:9000"
          - "3000-3005:3000"
          - target: 5432
            published: "15432"
            host_ip: 0.0.0.0
            protocol: tcp
            mode: host
        expose: ["7000", 7001]
        volumes:
          - type: volume
            source: data
            target: /data
            read_only: true
            volume: {nocopy: true}
          - type: bind
            source: /srv/conf
            target: /conf
            bind: {propagation: rshared, create_host_path: false}
          - type: tmpfs
            target: /scratch
            tmpfs: {size: 64m, mode: 01777}
          - /anon
          - ~/cache:/cache:ro,z
        networks:
          front:
            aliases: [app, api]
            ipv4_address: 172.28.0.10
          back:
        depends_on:
          db:
            condition: service_healthy
            restart: true
          migrate:
            condition: service_completed_successfully
          optional:
            condition: service_started
            required: false
        healthcheck:
          test: ["CMD", "curl", "-f", "http://localhost"]
          interval: 10s
          timeout: 1.5s
          start_period: 1m
          start_interval: 500ms
          retries: 5
        labels:
          com.example.team: core
        annotations: {a: b}
        user: "1000:1000"
        working_dir: /app
        hostname: app
        domainname: example.org
        cap_add: [NET_ADMIN]
        cap_drop: [ALL]
        privileged: no
        read_only: yes
        init: on
        tty: true
        stdin_open: off
        tmpfs: /run
        ulimits:
          nproc: 65535
          nofile: {soft: 1024, hard: 4096}
        mem_limit: 512m
        mem_reservation: 1g
        memswap_limit: 2g
        shm_size: "64M"
        cpus: 1.5
        cpu_shares: 512
        cpuset: "0-1"
        pids_limit: 100
        oom_score_adj: -500
        cpu_period: 100000
        cpu_quota: 50000
        cpu_rt_runtime: 400ms
        mem_swappiness: 0
        oom_kill_disable: true
        cgroup: private
        develop:
          watch: [{action: sync, path: ./src, target: /app}]
        deploy:
          replicas: 2
          resources:
            limits: {cpus: "0.5", memory: 256M, pids: 50}
            reservations: {memory: 128m}
          restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
          placement: {constraints: ["node.role==worker"]}
        stop_signal: SIGINT
        stop_grace_period: 1m30s
        logging:
          driver: json-file
          options: {max-size: 10m, max-file: 3}
        extra_hosts:
          - "somehost=162.242.195.82"
          - "otherhost:50.31.209.229"
        dns: [8.8.8.8, 9.9.9.9]
        dns_search: example.org
        dns_opt: [use-vc]
        sysctls: [net.core.somaxconn=1024]
        devices: ["/dev/fuse:/dev/fuse:rwm"]
        secrets:
          - token
          - source: cert
            target: /etc/cert.pem
            mode: 0440
        configs: [appconf]
        profiles: []
        pull_policy: missing
        security_opt: ["no-new-privileges:true"]
        pid: host
        platform: linux/amd64
        group_add: [audio, 1001]
      db:
        image: postgres
        networks: [back]
        container_name: the-db
      migrate:
        image: app
        network_mode: "service:db"
      optional:
        image: x
        profiles: [never]
    networks:
      front:
        driver: bridge
        driver_opts: {com.docker.network.bridge.name: br-front}
        ipam:
          config:
            - subnet: 172.28.0.0/16
              gateway: 172.28.0.1
        labels: {tier: front}
      back:
        internal: true
        name: custom-back
      unused:
    volumes:
      data:
        driver: local
        driver_opts: {type: none, o: bind, device: /srv/data}
        labels: [kind=data]
      ext:
        external: true
    secrets:
      token:
        environment: TOKEN
      cert:
        file: ./cert.pem
    configs:
      appconf:
        content: "key=value"
    """

    func testEveryFieldIsTyped() throws {
        let dir = try TempDir(self)
        try dir.write("compose.yaml", Self.everyField)
        let p = try loadProject(dir, env: ["HOME": "/home/u", "FROM_ENV": "e"])
        let app = try XCTUnwrap(p.services["app"])
        XCTAssertEqual(app.restart, "on-failure:3")
        XCTAssertEqual(app.build?.context, dir.path + "/src")
        XCTAssertEqual(app.build?.dockerfile, "Dockerfile.prod")
        XCTAssertEqual(app.build?.args, ["VERSION": "2", "FROM_ENV": "e"])
        XCTAssertEqual(app.build?.labels, ["built-by": "berth"])
        XCTAssertEqual(app.entrypoint, ["/init", "--"])
        // yes/no are booleans only where compose expects one (read_only: yes).
        XCTAssertEqual(app.environment, ["PLAIN": "value", "NUMBER": "42", "FLAG": "true", "ANSWER": "yes"])
        XCTAssertEqual(app.ports, [
            ServicePort(target: 80, published: "8000", hostIp: "127.0.0.1", protocol: "udp"),
            ServicePort(target: 81, published: "8001", hostIp: "127.0.0.1", protocol: "udp"),
            ServicePort(target: 9000, published: "9000", hostIp: "::1"),
            ServicePort(target: 3000, published: "3000-3005"),
            { var x = ServicePort(target: 5432, published: "15432", hostIp: "0.0.0.0"); x.mode = "host"; return x }(),
        ])
        XCTAssertEqual(app.expose, ["7000", "7001"])
        XCTAssertEqual(app.volumes.count, 5)
        XCTAssertEqual(app.volumes[0].volume?.nocopy, true)
        XCTAssertTrue(app.volumes[0].readOnly)
        XCTAssertEqual(app.volumes[1].bind?.propagation, "rshared")
        XCTAssertEqual(app.volumes[2].tmpfs?.size, 64 << 20)
        XCTAssertEqual(app.volumes[2].tmpfs?.mode, 0o1777)
        XCTAssertEqual(app.volumes[3], ServiceVolume(type: "volume", source: nil, target: "/anon"))
        XCTAssertEqual(app.volumes[4].source, "/home/u/cache")
        XCTAssertEqual(app.volumes[4].bind?.selinux, "z")
        XCTAssertTrue(app.volumes[4].readOnly)
        XCTAssertEqual(app.networks["front"]?.aliases, ["app", "api"])
        XCTAssertEqual(app.networks["front"]?.ipv4Address, "172.28.0.10")
        XCTAssertEqual(app.networks["back"], ServiceNetwork())
        XCTAssertEqual(app.dependsOn["db"], ServiceDependency(condition: .serviceHealthy, restart: true))
        XCTAssertEqual(app.dependsOn["migrate"]?.condition, .serviceCompletedSuccessfully)
        XCTAssertNil(app.dependsOn["optional"], "a non-required dependency on a disabled service is dropped")
        XCTAssertEqual(app.healthcheck?.test, ["CMD", "curl", "-f", "http://localhost"])
        XCTAssertEqual(app.healthcheck?.timeout, Duration(nanoseconds: 1_500_000_000))
        XCTAssertEqual(app.healthcheck?.startPeriod, .seconds(60))
        XCTAssertEqual(app.healthcheck?.startInterval, Duration(nanoseconds: 500_000_000))
        XCTAssertEqual(app.user, "1000:1000")
        XCTAssertEqual(app.privileged, false)
        XCTAssertEqual(app.readOnly, true)
        XCTAssertEqual(app.initProcess, true)
        XCTAssertEqual(app.stdinOpen, false)
        XCTAssertEqual(app.tmpfs, ["/run"])
        XCTAssertEqual(app.ulimits["nproc"], Ulimit(soft: 65535, hard: 65535))
        XCTAssertEqual(app.ulimits["nofile"], Ulimit(soft: 1024, hard: 4096))
        XCTAssertEqual(app.memLimit, 512 << 20)
        XCTAssertEqual(app.memReservation, 1 << 30)
        XCTAssertEqual(app.shmSize, 64 << 20)
        XCTAssertEqual(app.cpus, 1.5)
        XCTAssertEqual(app.oomScoreAdj, -500)
        XCTAssertEqual(app.cpuQuota, 50000)
        XCTAssertEqual(app.cpuRtRuntime, 400_000)
        XCTAssertEqual(app.memSwappiness, 0)
        XCTAssertEqual(app.oomKillDisable, true)
        XCTAssertEqual(app.cgroup, "private")
        XCTAssertEqual(app.deploy?.replicas, 2)
        XCTAssertEqual(app.replicas, 2)
        XCTAssertEqual(app.deploy?.resources.limits?.cpus, 0.5)
        XCTAssertEqual(app.deploy?.resources.limits?.memory, 256 << 20)
        XCTAssertEqual(app.deploy?.resources.reservations?.memory, 128 << 20)
        XCTAssertEqual(app.deploy?.restartPolicy?.window, .seconds(120))
        XCTAssertEqual(app.stopGracePeriod, .seconds(90))
        XCTAssertEqual(app.logging, Logging(driver: "json-file", options: ["max-size": "10m", "max-file": "3"]))
        XCTAssertEqual(app.extraHosts, ["somehost:162.242.195.82", "otherhost:50.31.209.229"])
        XCTAssertEqual(app.dnsSearch, ["example.org"])
        XCTAssertEqual(app.sysctls, ["net.core.somaxconn": "1024"])
        XCTAssertEqual(app.secrets[1].mode, 0o440)
        XCTAssertEqual(app.secrets[1].target, "/etc/cert.pem")
        XCTAssertEqual(app.groupAdd, ["audio", "1001"])
        XCTAssertEqual(p.services["db"]?.containerName, "the-db")
        XCTAssertEqual(p.services["migrate"]?.networks, [:], "network_mode replaces the default network")
        XCTAssertEqual(p.networks["front"]?.name, "full_front")
        XCTAssertEqual(p.networks["front"]?.ipam?.config.first?.subnet, "172.28.0.0/16")
        XCTAssertEqual(p.networks["back"]?.name, "custom-back")
        XCTAssertEqual(p.networks["back"]?.internal, true)
        XCTAssertNil(p.networks["unused"], "unused networks are dropped")
        XCTAssertNil(p.volumes["ext"], "unused volumes are dropped")
        XCTAssertEqual(p.volumes["data"]?.driverOpts["device"], "/srv/data")
        XCTAssertEqual(p.secrets["cert"]?.file, dir.path + "/cert.pem")
        XCTAssertEqual(p.configs["appconf"]?.content, "key=value")
    }

    func testConfigRoundTripsThroughYAML() throws {
        let dir = try TempDir(self)
        try dir.write("compose.yaml", Self.everyField)
        let p = try loadProject(dir, env: ["HOME": "/home/u", "FROM_ENV": "e"])
        let text = p.yaml()
        try dir.write("out/compose.yaml", text)
        let again = try loadProject(dir, files: ["out/compose.yaml"], env: ["HOME": "/home/u"]) { $0.projectDirectory = dir.path }
        XCTAssertEqual(again.services, p.services, text)
        XCTAssertEqual(again.networks, p.networks)
        XCTAssertEqual(again.volumes, p.volumes)
        XCTAssertEqual(again.secrets, p.secrets)
        XCTAssertEqual(again.configs, p.configs)
        XCTAssertTrue(text.contains("    restart: on-failure:3\n"), text)
        XCTAssertTrue(text.contains("stop_grace_period: \"1m30s\""), text)
        XCTAssertTrue(text.contains("NUMBER: \"42\""), text)
    }

    func testUnknownKeysAndTypeErrorsNamePathAndLine() throws {
        let dir = try TempDir(self)
        func failure(_ yaml: String) throws -> String {
            try dir.write("compose.yaml", yaml)
            return errorMessage { try loadProject(dir) }
        }
        let c = dir.path + "/compose.yaml"
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    portz: [80]\n"), "\(c):4:5: services.web.portz: unknown key")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    ports:\n      - 80\n      - \"80:eighty\"\n"),
                       "\(c):6:9: services.web.ports[1]: invalid port \"80:eighty\"")
        XCTAssertEqual(try failure("servicez: {}\n"), "\(c):1:1: servicez: unknown key")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    x-custom: fine\n    healthcheck:\n      intervall: 5s\n"),
                       "\(c):6:7: services.web.healthcheck.intervall: unknown key")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    privileged: maybe\n"),
                       "\(c):4:17: services.web.privileged: invalid boolean \"maybe\"")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    mem_limit: lots\n"),
                       "\(c):4:16: services.web.mem_limit: invalid size \"lots\" (use bytes or a unit: 512m, 1g)")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: 10\n"),
                       "\(c):5:17: services.web.healthcheck.interval: invalid duration \"10\" (use Go syntax like 1m30s, 10s, 500ms)")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    volumes: [\"a:b:c:d\"]\n"),
                       "\(c):4:15: services.web.volumes[0]: invalid volume \"a:b:c:d\": invalid volume specification")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    environment: oops\n"),
                       "\(c):4:18: services.web.environment: must be a mapping or a list, not a scalar")
        XCTAssertEqual(try failure("services:\n  web:\n    image: nginx\n    depends_on:\n      db: {condition: service_ready}\n"),
                       "\(c):5:23: services.web.depends_on.db.condition: invalid condition \"service_ready\" (service_started, service_healthy, service_completed_successfully)")
        XCTAssertEqual(try failure("services:\n  web:\n    build: .\n    gpus: all\n"), "\(c):4:5: services.web.gpus: not supported by berth")
        XCTAssertEqual(try failure("services:\n  web:\n    command: x\n"), "\(c):3:5: services.web: has neither an image nor a build context specified")
        XCTAssertEqual(try failure("services:\n  web:\n    image: x\n    restart: sometimes\n"),
                       "\(c):4:14: services.web.restart: invalid restart policy \"sometimes\" (no, always, on-failure[:max-retries], unless-stopped)")
        XCTAssertEqual(try failure("services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n"),
                       "services.web.volumes: service \"web\" refers to undefined volume data")
        XCTAssertEqual(try failure("services:\n  web:\n    image: x\n    networks: [nope]\n"),
                       "services.web.networks: service \"web\" refers to undefined network nope")
        XCTAssertEqual(try failure("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n"),
                       "dependency cycle detected: a -> b -> c -> a")
        XCTAssertEqual(try failure("services:\n  web:\n    image: x\n    depends_on: [ghost]\n"),
                       "services.web.depends_on: service \"web\" depends on undefined service \"ghost\"")
    }

    func testShortSyntaxParsers() {
        XCTAssertEqual(ServicePort.parseShort("80"), [ServicePort(target: 80)])
        XCTAssertEqual(ServicePort.parseShort("8080:80/udp"), [ServicePort(target: 80, published: "8080", protocol: "udp")])
        XCTAssertEqual(ServicePort.parseShort("9090-9091:8080-8081")?.map(\.published), ["9090", "9091"])
        XCTAssertEqual(ServicePort.parseShort("1.2.3.4::80"), [ServicePort(target: 80, hostIp: "1.2.3.4")])
        XCTAssertEqual(ServicePort.parseShort("fe80::1:8080:80"), [ServicePort(target: 80, published: "8080", hostIp: "fe80::1")])
        XCTAssertNil(ServicePort.parseShort("80-82:90-91"))
        XCTAssertNil(ServicePort.parseShort("70000"))
        XCTAssertNil(ServicePort.parseShort("80/icmp"))
        XCTAssertEqual(try ShellWords.split(#"sh -c "echo \"hi\" $HOME" 'a b' c\ d"#), ["sh", "-c", #"echo "hi" $HOME"#, "a b", "c d"])
        XCTAssertThrowsError(try ShellWords.split("echo 'open"))
        XCTAssertEqual(Duration(parsing: "1h2m3.5s")?.nanoseconds, 3_723_500_000_000)
        XCTAssertEqual(Duration(parsing: "1m30s")?.description, "1m30s")
        XCTAssertEqual(Duration.seconds(3600).description, "1h0m0s")
        XCTAssertEqual(Duration(nanoseconds: 1_500_000).description, "1.5ms")
        XCTAssertNil(Duration(parsing: "10"))
        XCTAssertEqual(Duration(parsing: "0"), Duration(nanoseconds: 0))
        XCTAssertEqual(ByteSize.parse("1.5GB"), 1_610_612_736)
        XCTAssertEqual(ByteSize.parse("100"), 100)
        XCTAssertEqual(ByteSize.parse("2k"), 2048)
        XCTAssertEqual(ByteSize.parse("1MiB"), 1 << 20)
        XCTAssertNil(ByteSize.parse("12x"))
    }

    func testConfigHashIsStableOverKeyOrderSyntaxAndIgnoredFields() throws {
        let dir = try TempDir(self)
        try dir.write("a.yaml", """
        services:
          web:
            image: nginx
            environment: {A: "1", B: "2"}
            ports: ["8080:80"]
            labels: [x=1, y=2]
            depends_on: [db]
            deploy: {replicas: 3}
          db: {image: pg}
        """)
        try dir.write("b.yaml", """
        services:
          db: {image: pg}
          web:
            labels: {y: "2", x: "1"}
            ports:
              - target: 80
                published: "8080"
            environment: [B=2, A=1]
            image: nginx
            scale: 1
            pull_policy: always
        """)
        let a = try loadProject(dir, files: ["a.yaml"]) { $0.projectName = "p" }
        let b = try loadProject(dir, files: ["b.yaml"]) { $0.projectName = "p" }
        let hash = a.services["web"]!.configHash()
        XCTAssertEqual(hash.count, 64)
        XCTAssertEqual(hash, b.services["web"]!.configHash())
        var changed = a.services["web"]!
        changed.environment["A"] = "other"
        XCTAssertNotEqual(changed.configHash(), hash)
        XCTAssertNotEqual(a.services["db"]!.configHash(), hash)
    }
}
