import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of docker's json-file log.
struct JSONLogEntry: Decodable {
    var log: String
    var stream: String
    var time: String
}

extension ContainerService {
    func logs(_ name: String, options: LogsOptions) throws -> LogStream {
        let record = try lookup(name)
        guard options.stdout || options.stderr else {
            throw BerthError.invalidArgument("Bad parameters: you must choose at least one stream")
        }
        if record.hostConfig.logConfig?.type == "none" {
            throw BerthError.invalidArgument("configured logging driver does not support reading")
        }
        let path = paths.log(record.id)
        let id = record.id
        let follow = options.follow && record.isRunning
        let (stream, continuation) = AsyncThrowingStream<LogFrame, any Error>.makeStream()
        let task = Task.detached { [weak self] in
            let reader = LogReader(path: path, options: options)
            for frame in reader.existing() { continuation.yield(frame) }
            if follow {
                while !Task.isCancelled {
                    let more = reader.newEntries()
                    for frame in more { continuation.yield(frame) }
                    let running = await self?.isRunning(id) ?? false
                    if !running && more.isEmpty {
                        for frame in reader.newEntries() { continuation.yield(frame) }
                        break
                    }
                    if let until = options.until, until > 0, Date().timeIntervalSince1970 > until { break }
                    try? await Task.sleep(nanoseconds: 100_000_000)
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return LogStream(tty: record.tty, frames: stream)
    }

    func isRunning(_ id: String) -> Bool { records[id]?.isRunning ?? false }
}

/// Reads a json-file log with its rotated files (`.1` is older than the
/// current one), applying docker's stdout/stderr, since, until and tail.
final class LogReader: @unchecked Sendable {
    let path: String
    let options: LogsOptions
    /// How far the current file has been read (for follow).
    private var offset = 0

    init(path: String, options: LogsOptions) {
        self.path = path
        self.options = options
    }

    func existing() -> [LogFrame] {
        var files: [String] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(path).\(index)") {
            files.insert("\(path).\(index)", at: 0)
            index += 1
        }
        var frames: [LogFrame] = []
        for file in files { frames += parse(contents(file)) }
        let current = contents(path)
        offset = current.count
        frames += parse(current)
        if let tail = options.tail, tail >= 0 { frames = Array(frames.suffix(tail)) }
        return frames
    }

    func newEntries() -> [LogFrame] {
        let bytes = contents(path)
        if bytes.count < offset { offset = 0 } // rotated
        guard bytes.count > offset else { return [] }
        // Only whole lines: the monitor may be mid-write.
        guard let lastNewline = bytes[offset...].lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let chunk = Array(bytes[offset...lastNewline])
        offset = lastNewline + 1
        return parse(chunk)
    }

    private func contents(_ file: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return Array(data)
    }

    private func parse(_ bytes: [UInt8]) -> [LogFrame] {
        let decoder = JSONDecoder()
        var frames: [LogFrame] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? decoder.decode(JSONLogEntry.self, from: Data(line)) else { continue }
            let stream: StdStream = entry.stream == "stderr" ? .stderr : .stdout
            if stream == .stdout && !options.stdout || stream == .stderr && !options.stderr { continue }
            if let since = options.since, since > 0 || options.until != nil {
                let time = Timestamp.unixSeconds(entry.time) ?? 0
                if since > 0 && time < since { continue }
                if let until = options.until, until > 0, time > until { continue }
            } else if let until = options.until, until > 0, (Timestamp.unixSeconds(entry.time) ?? 0) > until {
                continue
            }
            frames.append(LogFrame(stream: stream, bytes: Array(entry.log.utf8), timestamp: entry.time))
        }
        return frames
    }
}
