#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A container as the engine keeps it: what was asked for (config and host
/// config, after merging the image's config) and where its lifecycle is.
/// Persisted as JSON in the state database (`ContainerStateStore`).
struct ContainerRecord: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case created, running, paused, restarting, removing, exited, dead
    }

    var id: String
    /// Without the leading "/".
    var name: String
    /// RFC 3339 with nanoseconds.
    var created: String
    /// The image as the user named it.
    var image: String
    var imageID: String
    var path: String
    var args: [String]
    var config: ContainerConfig
    var hostConfig: HostConfig

    var status: Status = .created
    var pid: Int = 0
    var exitCode: Int = 0
    var error: String = ""
    var startedAt: String = zeroTime
    var finishedAt: String = zeroTime
    var restartCount: Int = 0
    var oomKilled = false
    /// Set by an explicit stop or kill: `unless-stopped` and `always`
    /// do not restart it (until the daemon restarts, for `always`).
    var manuallyStopped = false
    var hasBeenStarted = false
    /// Exec instances created in this container (their IDs).
    var execIDs: [String] = []

    /// Go's zero time, as dockerd prints never-set times.
    static let zeroTime = "0001-01-01T00:00:00Z"

    var isRunning: Bool { status == .running || status == .paused || status == .restarting }
    var shortID: String { String(id.prefix(12)) }
    var tty: Bool { config.tty ?? false }
}

extension ContainerRecord {
    /// docker ps's STATUS column ("Up 3 seconds", "Exited (0) 2 minutes ago").
    func humanStatus(now: Date = Date()) -> String {
        switch status {
        case .created: return "Created"
        case .running: return "Up \(Self.humanDuration(since: startedAt, now: now))"
        case .paused: return "Up \(Self.humanDuration(since: startedAt, now: now)) (Paused)"
        case .restarting: return "Restarting (\(exitCode)) \(Self.humanDuration(since: finishedAt, now: now)) ago"
        case .removing: return "Removal In Progress"
        case .exited:
            if !hasBeenStarted { return "Created" }
            return "Exited (\(exitCode)) \(Self.humanDuration(since: finishedAt, now: now)) ago"
        case .dead: return "Dead"
        }
    }

    /// go-units' HumanDuration.
    static func humanDuration(since time: String, now: Date) -> String {
        guard let date = Timestamp.parse(time) else { return "Less than a second" }
        let seconds = Int(now.timeIntervalSince(date))
        switch seconds {
        case ..<1: return "Less than a second"
        case 1: return "1 second"
        case ..<60: return "\(seconds) seconds"
        case ..<120: return "About a minute"
        case ..<3600: return "\(seconds / 60) minutes"
        case ..<7200: return "About an hour"
        case ..<(48 * 3600): return "\(seconds / 3600) hours"
        default: return "\(seconds / 86400) days"
        }
    }

    /// The state word of /containers/json and inspect.
    var stateWord: String { status == .exited && !hasBeenStarted ? "created" : status.rawValue }
}
