import ArgumentParser
import BerthClient
import BerthCompose
import BerthComposeRunner
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `berth compose`: multi-container applications from compose files,
/// through the Engine API of `berth daemon` or dockerd (DOCKER_HOST).
struct ComposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Define and run multi-container applications.",
        discussion: """
        Flags before the command: -f/--file FILE (several are merged), -p/--project-name NAME, \
        --project-directory DIR, --env-file FILE, --profile NAME, -H/--host HOST (default: $DOCKER_HOST).
        """,
        subcommands: [
            ComposeUp.self, ComposeDown.self, ComposePs.self, ComposeLogs.self, ComposeBuild.self, ComposePull.self,
            ComposePush.self, ComposeStart.self, ComposeStop.self, ComposeRestart.self, ComposeKill.self, ComposeRm.self,
            ComposeExec.self, ComposeRun.self, ComposeConfig.self, ComposeImages.self, ComposeTop.self, ComposePort.self,
            ComposeLs.self,
        ]
    )

}

/// compose's global flags, given between `compose` and the subcommand
/// (`berth compose -f a.yaml -p demo up -d`) as in docker compose, so that
/// a subcommand's own `-f` (`logs -f`) or `-p` (`run -p`) keeps its meaning.
/// `BerthMain` takes them off the arguments before ArgumentParser runs.
struct ComposeOptions {
    nonisolated(unsafe) static var global = ComposeOptions()

    var file: [String] = []
    var projectName: String?
    var projectDirectory: String?
    var envFile: [String] = []
    var profile: [String] = []
    var host: String?


    /// Removes the global flags after `compose` (when the arguments start
    /// with it) into `global`; an unknown flag there is left for
    /// ArgumentParser to report.
    static func extract(_ arguments: [String]) -> [String] {
        guard arguments.first == "compose" else { return arguments }
        var options = ComposeOptions()
        var rest = arguments.dropFirst()
        while let flag = rest.first, flag.hasPrefix("-"), flag != "-h", flag != "--help" {
            var name = flag, value: String?
            if flag.hasPrefix("--"), let eq = flag.firstIndex(of: "=") {
                name = String(flag[..<eq])
                value = String(flag[flag.index(after: eq)...])
            }
            guard ["-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "-H", "--host"].contains(name) else { break }
            rest = rest.dropFirst()
            if value == nil {
                guard let next = rest.first else { rest = [flag][...]; break }
                value = next
                rest = rest.dropFirst()
            }
            switch name {
            case "-f", "--file": options.file.append(value!)
            case "-p", "--project-name": options.projectName = value
            case "--project-directory": options.projectDirectory = value
            case "--env-file": options.envFile.append(value!)
            case "--profile": options.profile.append(value!)
            default: options.host = value
            }
        }
        global = options
        return ["compose"] + Array(rest)
    }

    /// The loaded project; `services` named on the command line enable
    /// their profiles.
    func project(services: [String] = []) throws -> Project {
        var options = ProjectOptions(workingDirectory: FileManager.default.currentDirectoryPath, files: file,
                                     projectName: projectName, environment: environment())
        options.projectDirectory = projectDirectory
        options.envFiles = envFile
        options.profiles = profile
        options.services = services
        let project = try ProjectLoader.load(options)
        for warning in project.warnings { printError("WARN[0000] \(warning)") }
        return project
    }

    func client() throws -> EngineClient {
        try EngineClient.connect(to: DockerHost.resolve(flag: host ?? GlobalFlags.host, environment: environment()))
    }

    func runner(services: [String] = []) throws -> ComposeRunner {
        let runner = ComposeRunner(client: try client(), project: try project(services: services), version: ComposeOptions.labelVersion)
        runner.buildContext = composeBuildContext
        return runner
    }

    /// `com.docker.compose.version` on what berth creates.
    static let labelVersion = "2.0.0-berth-\(Berth.version)"
}

/// Prints rows as docker's tables do: columns padded to the widest cell,
/// three spaces apart.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    for row in [header] + rows {
        var line = ""
        for (i, cell) in row.enumerated() {
            line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
        }
        print(line)
    }
}
