// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
import ArgumentParser
import BerthAPIModel
import BerthClient
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
#if canImport(Glibc)
import Glibc
#endif

/// docker's global flags given before the command (`berth -H tcp://h:2375 ps`),
/// taken off the arguments by `BerthMain` before ArgumentParser sees them.
enum GlobalFlags {
    nonisolated(unsafe) static var host: String?
    /// `--config DIR`: where config.json lives (else $DOCKER_CONFIG, else ~/.docker).
    nonisolated(unsafe) static var configDirectory: String?

    /// Removes `-H X`, `--host X`, `--host=X`, `--config X`, `-D`/`--debug` before the first command word.
    static func extract(_ arguments: [String]) -> [String] {
        var rest = arguments[...]
        while let first = rest.first, first.hasPrefix("-") {
            if first == "-H" || first == "--host" || first == "--config", rest.count > 1 {
                let value = rest[rest.index(after: rest.startIndex)]
                if first == "--config" { configDirectory = value } else { host = value }
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--host=") || first.hasPrefix("-H=") {
                host = String(first.drop { $0 != "=" }.dropFirst())
                rest = rest.dropFirst()
            } else if first.hasPrefix("--config=") {
                configDirectory = String(first.dropFirst("--config=".count))
                rest = rest.dropFirst()
            } else if first == "-D" || first == "--debug" {
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        return Array(rest)
    }
}

/// The process environment as a dictionary (no Foundation's ProcessInfo).
func environment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") { result[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
        pointer += 1
    }
    return result
}

/// Connects to the daemon the flags and environment name, negotiating the API version.
func connectClient() throws -> EngineClient {
    try EngineClient.connect(to: DockerHost.resolve(flag: GlobalFlags.host, environment: environment()))
}

/// Runs a client command: connects, runs `body`, and reports errors as
/// docker's CLI does — "Error response from daemon: …" for the daemon's
/// answers, "Error: …" otherwise — exiting with `failure` (1 for most
/// commands, 125 for run/create as docker does).
func withClient(failure: Int32 = 1, _ body: (EngineClient) throws -> Void) throws {
    do {
        try body(try connectClient())
    } catch let error as APIError {
        printError("Error response from daemon: \(error.message)")
        throw ExitCode(failure)
    } catch let error as BerthError {
        printError(error.message.hasPrefix("Cannot connect") ? error.message : "Error: \(error.description)")
        throw ExitCode(failure)
    } catch let error as SystemError {
        printError("Error: \(error)")
        throw ExitCode(failure)
    }
}

/// A line on stderr.
func printError(_ text: String) {
    writeAll(STDERR_FILENO, Array((text + "\n").utf8))
}

/// Writes every byte to `fd` (EINTR retried); a closed pipe ends the process quietly, as docker's does.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            if errno == EPIPE { exit(0) }
            return
        }
        offset += n
    }
}

/// Standard output is a terminal.
var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

/// Reads a file descriptor in chunks for a streamed request body; nil at its end.
func chunks(of fd: Int32) -> () throws -> [UInt8]? {
    {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return Array(buffer.prefix(n)) }
            if n == 0 { return nil }
            if errno != EINTR { throw SystemError("read", errno: errno) }
        }
    }
}

/// Opens a file to read, with the path in the error.
func openForReading(_ path: String) throws -> Int32 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw BerthError(SystemError("open", path: path, errno: errno), while: "open \(path)") }
    return fd
}

/// Creates (truncates) a file to write, with the path in the error.
func openForWriting(_ path: String) throws -> Int32 {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BerthError(SystemError("open", path: path, errno: errno), while: "create \(path)") }
    return fd
}

/// Copies a response body to a file descriptor.
func copyBody(_ response: Response, to fd: Int32) throws {
    while case let chunk = try response.read(), !chunk.isEmpty { writeAll(fd, chunk) }
}

/// The 12-hex-digit short form of an ID (without `sha256:`).
func shortID(_ id: String?) -> String {
    guard var id else { return "" }
    if id.hasPrefix("sha256:") { id.removeFirst(7) }
    return String(id.prefix(12))
}

/// JSON of a model, indented as docker's inspect prints it.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Any model as a `JSONValue`, for templates.
func jsonValue(_ value: some Encodable) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
}

/// docker's `key=value` lists (-l, --label, --opt): a map; a key without `=` gets "".
func keyValues(_ items: [String]) -> [String: String] {
    var map: [String: String] = [:]
    for item in items {
        if let equals = item.firstIndex(of: "=") { map[String(item[..<equals])] = String(item[item.index(after: equals)...]) }
        else { map[item] = "" }
    }
    return map
}

/// docker's `--filter key=value` list as the API's filters map.
func filterMap(_ items: [String]) throws -> [String: [String]] {
    var map: [String: [String]] = [:]
    for item in items {
        guard let equals = item.firstIndex(of: "=") else {
            throw ValidationError("bad format of filter (expected name=value): \(item)")
        }
        map[String(item[..<equals]), default: []].append(String(item[item.index(after: equals)...]))
    }
    return map
}

/// stat(2) of a path (lstat when `follow` is false); nil when it does not exist.
func fileStatus(_ path: String, follow: Bool = true) -> stat? {
    var status = stat()
    return fstatat(AT_FDCWD, path, &status, follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0 ? status : nil
}
