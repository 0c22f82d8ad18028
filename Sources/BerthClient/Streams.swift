import BerthAPIModel
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

extension Response {
    /// Reads a JSON-lines body (pull, push, load, import, build, events,
    /// stats) and hands each decoded line to `body` until the stream ends or
    /// `body` returns false. Blank lines are skipped.
    public func forEachJSON<T: Decodable>(_ type: T.Type, _ body: (T) throws -> Bool) throws {
        while let line = try readLine() {
            if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            let value: T
            do {
                value = try JSONCoding.decoder.decode(T.self, from: Data(line))
            } catch {
                throw BerthError.internalError("cannot decode a line of the daemon's stream: \(String(decoding: line.prefix(200), as: UTF8.self))", cause: error)
            }
            if try !body(value) { return }
        }
    }

    /// Reads a progress stream (`JSONMessage` lines), calling `body` for each;
    /// a line with an error ends it with that error as an `APIError`
    /// (docker's `jsonmessage` "errorDetail").
    public func forEachMessage(_ body: (JSONMessage) throws -> Void) throws {
        try forEachJSON(JSONMessage.self) { message in
            if let error = message.errorDetail?.message ?? message.error {
                throw APIError(status: 500, message: error)
            }
            try body(message)
            return true
        }
    }
}

/// Something the multiplexed stream can be read from: a response body or a
/// hijacked connection.
public protocol ByteReader {
    /// At most `max` bytes; empty at the end.
    func read(max: Int) throws -> [UInt8]
}

extension Response: ByteReader {}

/// Reads docker's multiplexed stdout/stderr stream (moby's `stdcopy`): frames
/// of an 8-byte header `[stream, 0, 0, 0, size (big endian, 4)]` and the payload.
public struct StdStreamReader<Source: ByteReader> {
    let source: Source
    private var pending: [UInt8] = []

    public init(_ source: Source) { self.source = source }

    /// The next frame; nil at the end of the stream.
    public mutating func next() throws -> (stream: StdStream, bytes: [UInt8])? {
        guard let header = try take(8), header.count == 8 else { return nil }
        let size = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        guard let stream = StdStream(rawValue: header[0]) else {
            throw BerthError.internalError("bad frame in the daemon's multiplexed stream (stream byte \(header[0]))")
        }
        guard let payload = try take(size), payload.count == size else {
            throw BerthError.unavailable("the daemon's stream ended in the middle of a frame")
        }
        if stream == .systemErr { throw APIError(status: 500, message: String(decoding: payload, as: UTF8.self)) }
        return (stream, payload)
    }

    private mutating func take(_ count: Int) throws -> [UInt8]? {
        while pending.count < count {
            let chunk = try source.read(max: max(count - pending.count, 4096))
            if chunk.isEmpty { return pending.isEmpty && count > 0 ? nil : pending }
            pending += chunk
        }
        let out = Array(pending.prefix(count))
        pending.removeFirst(count)
        return out
    }
}

/// A connection the daemon handed over after `101 UPGRADED` (attach, exec
/// start): raw bytes both ways, multiplexed or raw (tty) from the daemon,
/// stdin to it. `closeWrite()` tells the daemon stdin ended.
public final class HijackedStream: ByteReader {
    let connection: Connection

    init(_ connection: Connection) { self.connection = connection }

    /// The socket, to poll beside the terminal; check `hasBuffered` first.
    public var fd: Int32 { connection.fd }
    /// Bytes already read from the socket and not yet returned by `read`.
    public var hasBuffered: Bool { connection.hasBuffered }

    public func read(max: Int) throws -> [UInt8] { try connection.read(max: max) }
    public func write(_ bytes: [UInt8]) throws { try connection.write(bytes) }
    public func closeWrite() { connection.closeWrite() }
}

extension EngineClient {
    /// Sends `request` asking to take over the connection (`Connection:
    /// Upgrade`, `Upgrade: tcp`), as docker's attach and exec start do. The
    /// daemon answers 101 (or 200 before API 1.24) and the socket becomes a
    /// raw stream; an error status is thrown as `APIError`.
    public func hijack(_ request: Request) throws -> HijackedStream {
        let response = try checked(request, upgrade: true)
        guard response.status == 101 || response.status == 200 else {
            throw BerthError.unavailable("the daemon did not upgrade the connection (HTTP \(response.status))")
        }
        return HijackedStream(response.connection)
    }
}

extension Response {
    /// Reads the whole body and decodes it as JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let body = try readAll()
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(body))
        } catch {
            throw BerthError.internalError("cannot decode the daemon's answer as \(T.self)", cause: error)
        }
    }
}
