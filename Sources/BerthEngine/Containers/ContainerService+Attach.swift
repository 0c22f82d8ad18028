import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ContainerService {
    /// The monitor connection for an attach: now when running, else at the
    /// next start (registered before this returns).
    func attachTarget(_ record: ContainerRecord) -> OneShot<MonitorConnection?> {
        let target = OneShot<MonitorConnection?>()
        if record.isRunning {
            target.fulfill(try? MonitorConnection(path: paths.monitor(record.id).attachSocket))
        } else {
            pendingAttaches[record.id, default: []].append(target)
        }
        return target
    }

    func attach(_ name: String, options: AttachOptions, connection request: any HijackRequest) async throws {
        let record = try lookup(name)
        let detachKeys = try DetachKeys(options.detachKeys)
        let target: OneShot<MonitorConnection?>? = options.stream ? attachTarget(record) : nil
        let tty = record.tty
        let logPath = paths.log(record.id)
        let client = try await request.hijack(multiplexed: !tty)
        emit("attach", record)
        if options.logs {
            var logOptions = LogsOptions()
            logOptions.stdout = options.stdout
            logOptions.stderr = options.stderr
            for frame in LogReader(path: logPath, options: logOptions).existing() {
                try await client.write(frame.bytes, stream: tty ? .stdout : frame.stream)
            }
        }
        guard let target, let monitor = await target.result else {
            await client.close()
            return
        }
        let stdinOnce = record.config.stdinOnce ?? false
        _ = try await Self.pump(monitor: monitor, client: client, stdin: options.stdin, stdout: options.stdout,
                                stderr: options.stderr, tty: tty, closeStdinAtEOF: stdinOnce, detachKeys: detachKeys)
    }

    /// Copies the client's bytes to the process's stdin and the process's
    /// output to the client until the monitor reports the exit, or until the
    /// client types the detach keys or goes away (the process goes on;
    /// returns true).
    /// `beforeClose` runs before the client sees the end of the stream after
    /// an exit (a client inspects the exit code as soon as it does).
    static func pump(monitor: MonitorConnection, client: any HijackedConnection, stdin: Bool, stdout: Bool, stderr: Bool,
                     tty: Bool, closeStdinAtEOF: Bool, detachKeys: DetachKeys = .standard,
                     beforeClose: @Sendable () async -> Void = {}) async throws -> Bool {
        let detached = DetachFlag()
        let input = Task {
            guard stdin else { return }
            var scanner = DetachScanner(detachKeys)
            do {
                for try await chunk in client.input {
                    let (forward, detach) = scanner.feed(chunk)
                    if !forward.isEmpty { monitor.send(MonitorConnection.stdinFrame, forward) }
                    if detach {
                        // Ends the output loop below; stdin stays open for the next attach.
                        detached.set()
                        monitor.shutdownBoth()
                        return
                    }
                }
            } catch {}
            if closeStdinAtEOF { monitor.send(MonitorConnection.stdinClose) }
        }
        defer { input.cancel() }
        for await frame in monitor.frames() {
            do {
                switch frame {
                case .stdout(let bytes) where stdout:
                    try await client.write(bytes, stream: .stdout)
                case .stderr(let bytes) where stderr:
                    try await client.write(bytes, stream: tty ? .stdout : .stderr)
                case .exit:
                    monitor.shutdownBoth()
                default:
                    break
                }
            } catch {
                // The client went away: stop following the process, which
                // goes on as after a detach.
                detached.set()
                monitor.shutdownBoth()
            }
        }
        // The output ends at the exit or because a detach shut the connection.
        if !detached.isSet { await beforeClose() }
        await client.close()
        return detached.isSet
    }

    func resize(_ name: String, height: Int, width: Int) throws {
        let record = try lookup(name)
        guard record.isRunning else { throw BerthError.conflict("Container \(record.id) is not running") }
        if record.tty {
            let connection = try MonitorConnection(path: paths.monitor(record.id).attachSocket)
            connection.send(MonitorConnection.resize, Self.sizePayload(height: height, width: width))
        }
        emit("resize", record, extra: ["height": String(height), "width": String(width)])
    }

    static func sizePayload(height: Int, width: Int) -> [UInt8] {
        [UInt8((height >> 8) & 0xff), UInt8(height & 0xff), UInt8((width >> 8) & 0xff), UInt8(width & 0xff)]
    }
}
