import Foundation
import PackagePlugin

/// Builds berth-monitor (Sources/berth-monitor: the per-container monitor, a
/// small static C executable) with its build.sh and hands the target a
/// Swift source holding it, so the berth binary carries its monitor inside.
@main
struct MonitorImage: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let sources = package.appending(path: "Sources/berth-monitor")
        let script = sources.appending(path: "build.sh")
        let inputs = ["main.c", "monitor.c", "options.c", "json_log.c", "include/monitor.h", "build.sh"]
            .map { sources.appending(path: $0) }
            + ["Sources/CBerth/exe_seal.c", "Sources/CBerth/sealed_memfd.h", "Sources/CBerth/include/cberth_init.h"]
            .map { package.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "MonitorImageData.swift")
        return [
            .buildCommand(
                displayName: "Building berth-monitor",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, output.path, context.pluginWorkDirectoryURL.appending(path: "build").path],
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}
