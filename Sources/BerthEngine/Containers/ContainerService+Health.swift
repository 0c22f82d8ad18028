import BerthSystem
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Health checks (moby's daemon/health.go): a running container whose
/// config has a `Healthcheck` gets a probe loop that runs the test as an
/// exec every interval, and its `State.Health` (status starting, healthy or
/// unhealthy, the failing streak, the last five results) is kept in memory,
/// as dockerd keeps it until the container stops.
extension ContainerService {
    /// docker's defaults (container/health.go): 30 s interval and timeout,
    /// 3 retries, 5 s probes during the start period.
    static let defaultProbeInterval: Int64 = 30_000_000_000
    static let defaultProbeTimeout: Int64 = 30_000_000_000
    static let defaultStartInterval: Int64 = 5_000_000_000
    static let defaultRetries = 3
    static let maxHealthLog = 5

    /// The probe's command: `CMD args…` or `CMD-SHELL line`; nil when there
    /// is none (no test, `NONE`).
    static func probeCommand(_ test: [String]?) -> [String]? {
        guard let test, let kind = test.first else { return nil }
        switch kind {
        case "CMD": return test.count > 1 ? Array(test.dropFirst()) : nil
        case "CMD-SHELL": return test.count > 1 ? ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")] : nil
        default: return nil
        }
    }

    /// Called once the container runs: starts its probe loop.
    func startHealthCheck(_ record: ContainerRecord) {
        guard let config = record.config.healthcheck, let command = Self.probeCommand(config.test) else {
            health[record.id] = nil
            return
        }
        health[record.id] = Health(status: "starting", failingStreak: 0, log: [])
        let startedAt = record.startedAt
        Task.detached { [weak self] in
            await self?.probeLoop(record.id, startedAt: startedAt, command: command, config: config)
        }
    }

    /// Probes until the container stops or restarts (a new `startedAt`).
    func probeLoop(_ id: String, startedAt: String, command: [String], config: HealthConfig) async {
        func positive(_ v: Int64?, _ fallback: Int64) -> Int64 { (v ?? 0) > 0 ? v! : fallback }
        let interval = positive(config.interval, Self.defaultProbeInterval)
        let startInterval = positive(config.startInterval, Self.defaultStartInterval)
        let timeout = positive(config.timeout, Self.defaultProbeTimeout)
        let startPeriod = max(config.startPeriod ?? 0, 0)
        let retries = (config.retries ?? 0) > 0 ? config.retries! : Self.defaultRetries
        let began = DispatchTime.now().uptimeNanoseconds
        while true {
            let inStartPeriod = Int64(DispatchTime.now().uptimeNanoseconds - began) < startPeriod
            try? await Task.sleep(nanoseconds: UInt64(inStartPeriod && health[id]?.status == "starting" ? startInterval : interval))
            guard let record = records[id], record.status == .running, record.startedAt == startedAt else { break }
            let result = await probe(record, command: command, timeout: timeout)
            guard records[id]?.startedAt == startedAt, var current = health[id] else { break }
            var log = current.log ?? []
            log.append(result)
            if log.count > Self.maxHealthLog { log.removeFirst(log.count - Self.maxHealthLog) }
            current.log = log
            let before = current.status
            if result.exitCode == 0 {
                current.failingStreak = 0
                current.status = "healthy"
            } else if !(Int64(DispatchTime.now().uptimeNanoseconds - began) < startPeriod && current.status == "starting") {
                // Failures during the start period do not count (moby).
                current.failingStreak = (current.failingStreak ?? 0) + 1
                if current.failingStreak! >= retries { current.status = "unhealthy" }
            }
            health[id] = current
            if current.status != before, let status = current.status {
                emit("health_status: \(status)", record)
            }
        }
    }

    /// One probe: an exec of the test (not recorded in the container's
    /// ExecIDs), killed when it outlives the timeout.
    func probe(_ record: ContainerRecord, command: [String], timeout: Int64) async -> HealthcheckResult {
        let start = Timestamp.now()
        let execID = Self.newID()
        var exec = ExecConfig()
        exec.cmd = command
        exec.attachStdout = false
        exec.attachStderr = false
        execs[execID] = ExecRecord(id: execID, containerID: record.id, config: exec)
        defer { execs[execID] = nil }
        do {
            try await execStart(execID, ExecStartConfig(detach: true), connection: nil)
        } catch {
            return HealthcheckResult(start: start, end: Timestamp.now(), exitCode: -1, output: "health check failed to start: \(error)")
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout)
        while execs[execID]?.running == true {
            if DispatchTime.now().uptimeNanoseconds >= deadline {
                if let pid = execs[execID]?.pid, pid > 0 { _ = Glibc.kill(pid_t(pid), SIGKILL) }
                return HealthcheckResult(start: start, end: Timestamp.now(), exitCode: -1,
                                         output: "Health check exceeded timeout (\(timeout / 1_000_000_000)s)")
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return HealthcheckResult(start: start, end: Timestamp.now(), exitCode: execs[execID]?.exitCode ?? -1, output: "")
    }

    /// `Up 3 seconds (healthy)`: the health status docker adds to a running
    /// container's status text.
    func healthSuffix(_ id: String) -> String {
        guard let status = health[id]?.status else { return "" }
        return status == "starting" ? " (health: starting)" : " (\(status))"
    }
}
