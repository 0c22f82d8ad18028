import XCTest
import BerthSystem
@testable import BerthCompose

final class LoadTests: XCTestCase {
    func testWebAndDatabaseApp() throws {
        let dir = try TempDir(self)
        try dir.write(".env", "TAG=1.25\nPOSTGRES_PASSWORD=secret\nCOMPOSE_PROJECT_NAME=shop\n")
        try dir.write("web.env", "FROM_FILE=yes\nOVERRIDDEN=file\n")
        try dir.write("compose.yaml", """
        services:
          web:
            image: "nginx:${TAG}"
            build: ./web
            command: nginx -g 'daemon off;'
            env_file: web.env
            environment:
              - OVERRIDDEN=env
              - DB_HOST=db
              - HOME
            ports:
              - "8080:80"
              - 443
            volumes:
              - ./html:/usr/share/nginx/html:ro
              - cache:/var/cache/nginx
            depends_on:
              db:
                condition: service_healthy
            restart: unless-stopped
          db:
            image: postgres:16
            environment:
              POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
              PGDATA: /var/lib/postgresql/data/pgdata
            volumes:
              - db-data:/var/lib/postgresql/data
            healthcheck:
              test: pg_isready -U postgres
              interval: 1m30s
              timeout: 5s
              retries: 3
        volumes:
          db-data:
          cache:
        """)
        let p = try loadProject(dir, env: ["HOME": "/home/me"])
        XCTAssertEqual(p.name, "shop")
        XCTAssertEqual(p.serviceNames, ["db", "web"])
        let web = try XCTUnwrap(p.services["web"])
        XCTAssertEqual(web.image, "nginx:1.25")
        XCTAssertEqual(web.build?.context, dir.path + "/web")
        XCTAssertEqual(web.command, ["nginx", "-g", "daemon off;"])
        XCTAssertEqual(web.environment, ["FROM_FILE": "yes", "OVERRIDDEN": "env", "DB_HOST": "db", "HOME": "/home/me"])
        XCTAssertEqual(web.ports, [ServicePort(target: 80, published: "8080"), ServicePort(target: 443)])
        XCTAssertEqual(web.volumes[0].type, "bind")
        XCTAssertEqual(web.volumes[0].source, dir.path + "/html")
        XCTAssertTrue(web.volumes[0].readOnly)
        XCTAssertEqual(web.volumes[1].type, "volume")
        XCTAssertEqual(web.volumes[1].source, "cache")
        XCTAssertEqual(web.dependsOn["db"], ServiceDependency(condition: .serviceHealthy))
        XCTAssertEqual(web.networks, ["default": ServiceNetwork()])
        let db = try XCTUnwrap(p.services["db"])
        XCTAssertEqual(db.environment["POSTGRES_PASSWORD"], "secret")
        XCTAssertEqual(db.healthcheck?.test, ["CMD-SHELL", "pg_isready -U postgres"])
        XCTAssertEqual(db.healthcheck?.interval, .seconds(90))
        XCTAssertEqual(db.healthcheck?.retries, 3)
        XCTAssertEqual(p.networks["default"]?.name, "shop_default")
        XCTAssertEqual(p.volumes["db-data"]?.name, "shop_db-data")
        XCTAssertEqual(p.configFiles, [dir.path + "/compose.yaml"])
        XCTAssertTrue(p.warnings.isEmpty, "\(p.warnings)")
    }

    func testFileLookupWalksUpAndPicksOverride() throws {
        let dir = try TempDir(self)
        try dir.write("My App!/docker-compose.yml", "services:\n  a:\n    image: busybox\n")
        try dir.write("My App!/docker-compose.override.yml", "services:\n  a:\n    command: [sleep, '1']\n")
        try dir.write("My App!/sub/deeper/keep", "")
        let p = try ProjectLoader.load(ProjectOptions(workingDirectory: dir.path + "/My App!/sub/deeper", environment: [:]))
        XCTAssertEqual(p.name, "myapp")
        XCTAssertEqual(p.services["a"]?.command, ["sleep", "1"])
        XCTAssertEqual(p.configFiles.map { Paths.basename($0) }, ["docker-compose.yml", "docker-compose.override.yml"])
        let missing = try TempDir(self)
        XCTAssertTrue(errorMessage { try loadProject(missing) }.hasPrefix("no configuration file provided"))
    }

    func testProjectNamePrecedenceAndValidation() throws {
        let dir = try TempDir(self)
        try dir.write("compose.yaml", "name: fromfile\nservices:\n  a:\n    image: x\n")
        XCTAssertEqual(try loadProject(dir).name, "fromfile")
        XCTAssertEqual(try loadProject(dir, env: ["COMPOSE_PROJECT_NAME": "fromenv"]).name, "fromenv")
        XCTAssertEqual(try loadProject(dir, env: ["COMPOSE_PROJECT_NAME": "fromenv"]) { $0.projectName = "flag" }.name, "flag")
        XCTAssertTrue(errorMessage { try loadProject(dir) { $0.projectName = "Bad Name" } }.hasPrefix("invalid project name \"Bad Name\" (from -p)"))
        XCTAssertEqual(ProjectLoader.normaliseProjectName("__My.Project-1"), "myproject-1")
    }

    func testMergeOfTwoFiles() throws {
        let dir = try TempDir(self)
        let base = try dir.write("compose.yaml", """
        services:
          web:
            image: app:1
            command: ["serve", "--port", "80"]
            environment:
              A: "1"
              B: "2"
            labels: [tier=front]
            ports: ["8080:80", "9090:90"]
            volumes: ["data:/data", "./conf:/etc/app"]
            dns: 8.8.8.8
            cap_add: [NET_ADMIN]
            networks: [front]
            depends_on: [db]
          db:
            image: postgres
            environment: {X: "1"}
        networks:
          front:
        volumes:
          data:
        """)
        let over = try dir.write("prod.yaml", """
        services:
          web:
            image: app:2
            command: serve --prod
            environment:
              - B=20
              - C=3
            labels:
              owner: ops
            ports:
              - "443:443"
              - target: 90
                published: "9090"
                protocol: tcp
                mode: host
            volumes:
              - type: bind
                source: ./prod-conf
                target: /etc/app
            dns: [1.1.1.1]
            cap_add: [NET_ADMIN, SYS_TIME]
            networks:
              front:
                aliases: [www]
            depends_on:
              cache:
                condition: service_started
          cache:
            image: redis
          db:
            environment:
        """)
        let p = try loadProject(dir, files: [base, over])
        let web = try XCTUnwrap(p.services["web"])
        XCTAssertEqual(web.image, "app:2")
        XCTAssertEqual(web.command, ["serve", "--prod"], "command is replaced, not appended")
        XCTAssertEqual(web.environment, ["A": "1", "B": "20", "C": "3"])
        XCTAssertEqual(web.labels, ["tier": "front", "owner": "ops"])
        XCTAssertEqual(web.ports.map(\.target), [80, 90, 443])
        XCTAssertEqual(web.ports[1].mode, "host", "the long-syntax port replaced the short one with the same key")
        XCTAssertEqual(web.volumes.map(\.target), ["/data", "/etc/app"])
        XCTAssertEqual(web.volumes[1].source, dir.path + "/prod-conf")
        XCTAssertEqual(web.dns, ["8.8.8.8", "1.1.1.1"])
        XCTAssertEqual(web.capAdd, ["NET_ADMIN", "SYS_TIME"])
        XCTAssertEqual(web.networks["front"]?.aliases, ["www"])
        XCTAssertEqual(Set(web.dependsOn.keys), ["db", "cache"])
        XCTAssertEqual(p.serviceNames, ["cache", "db", "web"])
        XCTAssertEqual(p.services["db"]?.environment, ["X": "1"], "an empty key in the override keeps the base")
    }

    func testProfiles() throws {
        let dir = try TempDir(self)
        try dir.write("compose.yaml", """
        services:
          app:
            image: app
          debug:
            image: busybox
            profiles: [debug]
          tool:
            image: tool
            profiles: [tools]
            depends_on: [helper]
          helper:
            image: helper
            profiles: [helpers]
          needsdebug:
            image: x
            profiles: [broken]
            depends_on: [debug]
        """)
        var p = try loadProject(dir)
        XCTAssertEqual(p.serviceNames, ["app"])
        XCTAssertEqual(Set(p.disabledServices.keys), ["debug", "tool", "helper", "needsdebug"])
        p = try loadProject(dir) { $0.profiles = ["debug"] }
        XCTAssertEqual(p.serviceNames, ["app", "debug"])
        p = try loadProject(dir, env: ["COMPOSE_PROFILES": "debug,broken"])
        XCTAssertEqual(p.serviceNames, ["app", "debug", "needsdebug"])
        // Naming a service enables it and what it depends on.
        p = try loadProject(dir) { $0.services = ["tool"] }
        XCTAssertEqual(p.serviceNames, ["app", "helper", "tool"])
        // A selected service depending on a disabled one is an error.
        let message = errorMessage { try loadProject(dir) { $0.profiles = ["tools"] } }
        XCTAssertEqual(message, "service \"helper\" is required by \"tool\" but is disabled; enable it with --profile helpers")
        XCTAssertEqual(try loadProject(dir) { $0.profiles = ["*"] }.services.count, 5)
    }

    func testEnvFileFlagAndProcessEnvironmentWins() throws {
        let dir = try TempDir(self)
        try dir.write("compose.yaml", "services:\n  a:\n    image: \"img:${TAG}\"\n    environment:\n      X: ${X:-unset}\n")
        try dir.write(".env", "TAG=dotenv\n")
        try dir.write("other.env", "TAG=other\nX=fromfile\n")
        XCTAssertEqual(try loadProject(dir).services["a"]?.image, "img:dotenv")
        XCTAssertEqual(try loadProject(dir, env: ["TAG": "os"]).services["a"]?.image, "img:os")
        let p = try loadProject(dir) { $0.envFiles = ["other.env"] }
        XCTAssertEqual(p.services["a"]?.image, "img:other")
        XCTAssertEqual(p.services["a"]?.environment["X"], "fromfile")
        let warned = try loadProject(dir) { $0.envFiles = [] ; $0.environment = [:] }
        XCTAssertEqual(warned.services["a"]?.environment["X"], "unset")
        try dir.write("compose.yaml", "services:\n  a:\n    image: \"img:${NOPE}\"\n")
        XCTAssertEqual(try loadProject(dir).warnings, ["The \"NOPE\" variable is not set. Defaulting to a blank string."])
    }

    func testExtends() throws {
        let dir = try TempDir(self)
        try dir.write("common/base.yaml", """
        services:
          base:
            image: base:1
            build: ./ctx
            environment: [A=1, B=1]
        """)
        try dir.write("compose.yaml", """
        services:
          local:
            image: local
            environment: {L: "1"}
          web:
            extends:
              file: common/base.yaml
              service: base
            environment: [B=2]
          worker:
            extends: local
            command: work
          loop1:
            extends: loop2
          loop2:
            extends: loop1
        """)
        let message = errorMessage { try loadProject(dir) }
        XCTAssertTrue(message.contains("extends cycle: loop1 -> loop2 -> loop1"), message)
        try dir.write("compose.yaml", """
        services:
          local:
            image: local
            environment: {L: "1"}
          web:
            extends:
              file: common/base.yaml
              service: base
            environment: [B=2]
          worker:
            extends: local
            command: work
        """)
        let p = try loadProject(dir)
        XCTAssertEqual(p.services["web"]?.image, "base:1")
        XCTAssertEqual(p.services["web"]?.environment, ["A": "1", "B": "2"])
        XCTAssertEqual(p.services["web"]?.build?.context, dir.path + "/common/ctx")
        XCTAssertEqual(p.services["worker"]?.image, "local")
        XCTAssertEqual(p.services["worker"]?.environment, ["L": "1"])
        XCTAssertEqual(p.services["worker"]?.command, ["work"])
    }

    func testVersionOneFile() throws {
        let dir = try TempDir(self)
        try dir.write("docker-compose.yml", """
        db:
          image: redis
          volumes:
            - data:/data
            - ./conf:/conf
          log_driver: json-file
          log_opt: {max-size: 1m}
        web:
          build: ./web
          dockerfile: Dockerfile.dev
          links:
            - db
            - db:database
          ports: ["${PORT:-8080}:80"]
        side:
          image: busybox
          net: "container:other"
        """)
        let p = try loadProject(dir, configure: { $0.projectName = "old" })
        XCTAssertEqual(p.serviceNames, ["db", "side", "web"])
        XCTAssertEqual(p.services["db"]?.networkMode, "bridge")
        XCTAssertEqual(p.services["web"]?.networkMode, "bridge")
        XCTAssertEqual(p.services["side"]?.networkMode, "container:other")
        XCTAssertEqual(p.networks, [:], "version 1 services use the default bridge")
        XCTAssertEqual(p.services["web"]?.links, ["db", "db:database"])
        XCTAssertEqual(p.services["web"]?.ports.first?.published, "8080")
        XCTAssertEqual(p.services["web"]?.build?.dockerfile, "Dockerfile.dev")
        XCTAssertEqual(p.services["db"]?.logging?.driver, "json-file")
        XCTAssertEqual(p.services["db"]?.logging?.options, ["max-size": "1m"])
        // A named volume is the engine's volume of that name, unprefixed.
        XCTAssertEqual(p.volumes["data"]?.name, "data")
        XCTAssertTrue(p.warnings.contains { $0.contains("version 1 format") }, "\(p.warnings)")
        XCTAssertEqual(try DependencyGraph(p).order(), ["db", "side", "web"])

        // A specification file without `services:` is not taken for version 1.
        try dir.write("compose.yaml", "networks:\n  front: {}\n")
        let spec = try loadProject(dir, files: ["compose.yaml"], configure: { $0.projectName = "new" })
        XCTAssertEqual(spec.services.count, 0)
    }
}
