import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// Copies a hijacked attach/exec stream to the terminal and stdin to it,
/// in one poll loop: the daemon's output (raw for a tty, else docker's
/// multiplexed frames to stdout and stderr), stdin until its end (then the
/// write side is closed, as docker does), SIGWINCH as resizes and, without a
/// tty, SIGINT/SIGTERM passed to the container. Ctrl-P Ctrl-Q detaches.
struct StreamPump {
    let stream: HijackedStream
    var tty: Bool
    /// Forward stdin (-i).
    var stdin: Bool
    /// Called with the terminal's size on start and on SIGWINCH.
    var resize: ((Int, Int) -> Void)?
    /// Called with a signal to pass to the container (sig-proxy).
    var proxySignal: ((Int32) -> Void)?
    /// The detach sequence (docker's default ctrl-p,ctrl-q).
    var detachKeys: [UInt8] = [0x10, 0x11]

    enum Outcome { case ended, detached }

    func run() throws -> Outcome {
        var signals: [Int32] = []
        if resize != nil { signals.append(SIGWINCH) }
        if proxySignal != nil { signals += [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] }
        let events = signals.isEmpty ? nil : try SignalEvents(signals)
        // The size is sent at start, on SIGWINCH, and whenever a wakeup finds it
        // changed (a lost signal does not leave the container at the old size).
        var lastSize: (Int, Int)?
        func sendSizeIfChanged() {
            guard let resize, let size = terminalSize() ?? terminalSize(STDIN_FILENO) else { return }
            if let lastSize, lastSize == (size.height, size.width) { return }
            lastSize = (size.height, size.width)
            resize(size.height, size.width)
        }
        sendSizeIfChanged()

        var frames = FrameBuffer()
        var stdinOpen = stdin
        var held: [UInt8] = []
        while true {
            // Bytes the connection read ahead with the response headers come first.
            while stream.hasBuffered {
                let chunk = try stream.read(max: 65536)
                if chunk.isEmpty { return .ended }
                try output(chunk, &frames)
            }
            var fds = [pollfd(fd: stream.fd, events: Int16(POLLIN), revents: 0)]
            if stdinOpen { fds.append(pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)) }
            if let events { fds.append(pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), resize == nil ? -1 : 1000)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll", errno: errno)
            }
            sendSizeIfChanged()
            for entry in fds where entry.revents != 0 {
                if entry.fd == stream.fd {
                    let chunk = try stream.read(max: 65536)
                    if chunk.isEmpty { return .ended }
                    try output(chunk, &frames)
                } else if entry.fd == STDIN_FILENO {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 {
                        stdinOpen = false
                        if !held.isEmpty { try stream.write(held) }
                        stream.closeWrite()
                        continue
                    }
                    var out: [UInt8] = []
                    for byte in buffer.prefix(n) {
                        if byte == detachKeys[held.count] {
                            held.append(byte)
                            if held.count == detachKeys.count { try stream.write(out); return .detached }
                        } else {
                            out += held
                            held.removeAll()
                            if byte == detachKeys[0] { held.append(byte) } else { out.append(byte) }
                        }
                    }
                    if !out.isEmpty { try stream.write(out) }
                } else if let events, entry.fd == events.fd, let signal = events.next() {
                    if signal != SIGWINCH { proxySignal?(signal) }
                }
            }
        }
    }

    private func output(_ chunk: [UInt8], _ frames: inout FrameBuffer) throws {
        if tty { writeAll(STDOUT_FILENO, chunk); return }
        frames.bytes += chunk
        while let (stream, payload) = try frames.next() {
            writeAll(stream == 2 ? STDERR_FILENO : STDOUT_FILENO, payload)
        }
    }
}

/// docker's multiplexed frames parsed from bytes as they arrive.
struct FrameBuffer {
    var bytes: [UInt8] = []

    /// The next complete frame's stream byte and payload, nil until one is complete.
    mutating func next() throws -> (UInt8, [UInt8])? {
        guard bytes.count >= 8 else { return nil }
        let size = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        guard bytes.count >= 8 + size else { return nil }
        let stream = bytes[0]
        guard stream <= 3 else { throw BerthError.internalError("bad frame in the daemon's multiplexed stream (stream byte \(stream))") }
        let payload = Array(bytes[8..<8 + size])
        bytes.removeFirst(8 + size)
        if stream == 3 { throw BerthError.internalError(String(decoding: payload, as: UTF8.self)) }
        return (stream, payload)
    }
}
