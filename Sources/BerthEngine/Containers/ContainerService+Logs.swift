import BerthSystem
import CArchive
#if canImport(Glibc)
import Glibc
#endif
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
/// The current file is read through a descriptor held open, as docker's
/// follower does: lines written just before the container was removed
/// (`docker run --rm`, docker-py's `containers.run`) still reach a follower,
/// and a rotation is noticed by the path naming another inode.
final class LogReader: @unchecked Sendable {
    let path: String
    let options: LogsOptions
    private var fd: Int32 = -1
    /// Bytes after the last whole line read (the monitor may be mid-write).
    private var pending: [UInt8] = []

    init(path: String, options: LogsOptions) {
        self.path = path
        self.options = options
    }

    deinit { if fd >= 0 { close(fd) } }

    func existing() -> [LogFrame] {
        var files: [String] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(path).\(index)") {
            files.insert("\(path).\(index)", at: 0)
            index += 1
        }
        var frames: [LogFrame] = []
        for file in files { frames += parse(contents(file)) }
        openCurrent()
        frames += parse(wholeLines())
        if let tail = options.tail, tail >= 0 { frames = Array(frames.suffix(tail)) }
        return frames
    }

    func newEntries() -> [LogFrame] {
        if fd < 0 { openCurrent() }
        var frames = parse(wholeLines())
        // Rotated (or made anew): the rest of the old file, then the new one.
        if fd >= 0, let current = Self.inode(path: path), current != Self.inode(fd: fd) {
            // The monitor renames before it writes on: the old file is whole now.
            frames += parse(wholeLines())
            close(fd)
            fd = -1
            pending = []
            openCurrent()
            frames += parse(wholeLines())
        }
        return frames
    }

    private func openCurrent() {
        fd = open(path, O_RDONLY | O_CLOEXEC)
    }

    /// What the descriptor has beyond the last read, up to its last newline.
    private func wholeLines() -> [UInt8] {
        guard fd >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending += buffer[..<n]
        }
        guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let lines = Array(pending[...lastNewline])
        pending.removeSubrange(...lastNewline)
        return lines
    }

    private static func inode(path: String) -> ino_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_ino : nil
    }

    private static func inode(fd: Int32) -> ino_t? {
        var st = stat()
        return fstat(fd, &st) == 0 ? st.st_ino : nil
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
