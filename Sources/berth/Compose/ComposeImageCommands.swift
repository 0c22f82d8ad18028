import ArgumentParser
import BerthComposeRunner

/// `berth compose build`: POST /build for each service with a build section.
struct ComposeBuild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build or rebuild services.")
    var compose: ComposeOptions { .global }
    @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image.") var noCache = false
    @Flag(help: "Always attempt to pull a newer version of the image.") var pull = false
    @Flag(name: [.short, .customLong("quiet")], help: "Don't print anything to stdout.") var quiet = false
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().build(services, noCache: noCache, pull: pull, quiet: quiet) }
}

/// `berth compose pull`.
struct ComposePull: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull service images.")
    var compose: ComposeOptions { .global }
    @Flag(name: .customLong("ignore-pull-failures"), help: "Pull what it can and ignore images with pull failures.") var ignoreFailures = false
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().pull(services, ignoreFailures: ignoreFailures) }
}

/// `berth compose push`.
struct ComposePush: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push service images.")
    var compose: ComposeOptions { .global }
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().push(services) }
}
