#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif
import BerthSystem

/// What `berth compose` passes to the loader: the `-f`, `-p`,
/// `--project-directory`, `--env-file` and `--profile` flags, the services
/// named on the command line, and the process environment.
public struct ProjectOptions: Sendable {
    /// Where to look for compose files when `files` is empty (the cwd).
    public var workingDirectory: String
    /// `-f` files, in order; relative to `workingDirectory`.
    public var files: [String] = []
    /// `-p`.
    public var projectName: String?
    /// `--project-directory`; defaults to the first file's directory.
    public var projectDirectory: String?
    /// `--env-file`; defaults to `<project dir>/.env` when it exists.
    public var envFiles: [String] = []
    /// `--profile`; `COMPOSE_PROFILES` is added to these.
    public var profiles: [String] = []
    /// Services named on the command line: enabled even when their profiles
    /// are not, and their dependencies with them.
    public var services: [String] = []
    /// The process environment; it wins over `.env`, as in compose.
    public var environment: [String: String]

    public init(workingDirectory: String, files: [String] = [], projectName: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.workingDirectory = workingDirectory
        self.files = files
        self.projectName = projectName
        self.environment = environment
    }
}

/// File reading for the loader: nil for a missing file, an error naming the
/// path for anything else.
enum FileAccess {
    static func read(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw BerthError.invalidArgument("cannot read \(path)", cause: error)
        }
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}
