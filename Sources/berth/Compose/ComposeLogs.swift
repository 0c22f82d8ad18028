import ArgumentParser
import BerthComposeRunner
#if canImport(Glibc)
import Glibc
#endif

/// `berth compose logs`: the services' output, one prefix (and colour on a
/// terminal) per container.
struct ComposeLogs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "View output from containers.")

    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("follow")], help: "Follow log output.")
    var follow = false
    @Flag(name: [.short, .customLong("timestamps")], help: "Show timestamps.")
    var timestamps = false
    @Option(name: [.customShort("n"), .customLong("tail")], help: "Number of lines to show from the end of the logs (or \"all\").")
    var tail: String?
    @Option(help: "Show logs since a timestamp or relative time (e.g. 42m).")
    var since: String?
    @Option(help: "Show logs before a timestamp or relative time.")
    var until: String?
    @Flag(name: .customLong("no-color"), help: "Produce monochrome output.")
    var noColor = false
    @Flag(name: .customLong("no-log-prefix"), help: "Don't print a prefix in logs.")
    var noLogPrefix = false
    @Argument(help: "Services (default: all).")
    var services: [String] = []

    func run() throws {
        var options = ComposeRunner.LogOptions()
        options.follow = follow
        options.timestamps = timestamps
        options.tail = tail
        options.since = since
        options.until = until
        options.prefix = !noLogPrefix
        options.colour = !noColor && isatty(1) != 0
        try compose.runner().logs(services, options)
    }
}
