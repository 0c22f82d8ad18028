import Foundation
import XCTest

/// Runs a real client program (the docker CLI, python3 with the docker SDK).
struct ClientRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Finds `name` on PATH, or skips the test naming what is missing.
    static func tool(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw XCTSkip("\(name) is not installed; this wire-compatibility test needs it")
    }

    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> ClientRun {
        let process = Process()
        // Bounded: a client stuck on a broken stream fails the test, not the suite.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", "60", executable] + arguments
        var env = ProcessInfo.processInfo.environment
        env["DOCKER_CONFIG"] = NSTemporaryDirectory() + "berth-api-docker-config"  // no user config, no context
        env.removeValue(forKey: "DOCKER_HOST")
        env.removeValue(forKey: "DOCKER_CONTEXT")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty client cannot block.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: group) { outData = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = errors.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        process.waitUntilExit()
        return ClientRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}
