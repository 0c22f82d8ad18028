import ArgumentParser
import BerthComposeRunner

/// `berth compose start`: start the services' existing containers.
struct ComposeStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start services.")
    var compose: ComposeOptions { .global }
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().start(services) }
}

/// `berth compose stop`: stop the services' containers, dependents first.
struct ComposeStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop services.")
    var compose: ComposeOptions { .global }
    @Option(name: [.short, .customLong("timeout")], help: "Seconds to wait before killing.") var timeout: Int?
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().stop(services, timeout: timeout) }
}

/// `berth compose restart`.
struct ComposeRestart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart service containers.")
    var compose: ComposeOptions { .global }
    @Option(name: [.short, .customLong("timeout")], help: "Seconds to wait before killing.") var timeout: Int?
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().restart(services, timeout: timeout) }
}

/// `berth compose kill`.
struct ComposeKill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Force stop service containers.")
    var compose: ComposeOptions { .global }
    @Option(name: [.short, .customLong("signal")], help: "Signal to send.") var signal = "SIGKILL"
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().kill(services, signal: signal) }
}

/// `berth compose rm`: remove stopped containers (`-s`: stop them first).
struct ComposeRm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove stopped service containers.")
    var compose: ComposeOptions { .global }
    @Flag(name: [.short, .customLong("force")], help: "Don't ask to confirm removal (berth never asks).") var force = false
    @Flag(name: [.short, .customLong("stop")], help: "Stop the containers first.") var stop = false
    @Flag(name: [.short, .customLong("volumes")], help: "Remove anonymous volumes attached to the containers.") var volumes = false
    @Argument(help: "Services (default: all).") var services: [String] = []
    func run() throws { try compose.runner().remove(services, stop: stop, volumes: volumes) }
}
