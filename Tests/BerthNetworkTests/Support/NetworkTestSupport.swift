import Foundation
import XCTest
@testable import BerthNetwork

/// Skips (with the reason) unless the test can create namespaces, links and
/// nftables tables: root, nft, nsenter and python3 (the test peers).
func requireNetworkRoot() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create network namespaces, links and nftables tables") }
    for tool in ["/usr/sbin/nft", "/usr/bin/nsenter", "/usr/bin/python3"] where access(tool, X_OK) != 0 {
        throw XCTSkip("needs \(tool) (Debian: nftables, util-linux, python3)")
    }
    guard access("/proc/sys/net/ipv4/ip_forward", W_OK) == 0 else {
        throw XCTSkip("needs a writable /proc/sys/net (not in a read-only sysfs container)")
    }
}

func uniqueHex(_ count: Int = 6) -> String { BridgeDriver.randomHex(count) }

/// Runs a program to completion; returns exit status and stdout+stderr.
@discardableResult
func runTool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A long-running peer (a server in a namespace), killed on `stop()`.
final class Background {
    let process = Process()
    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Python peers: a TCP/UDP server answering "<message> <peer address>"
/// and a client printing the answer, so tests see who connected (hairpin
/// and NAT show in the peer address).
enum Peers {
    static let server = """
        import socket, sys
        kind, port, msg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        if kind == "tcp":
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port)); s.listen(16)
            while True:
                c, a = s.accept(); c.sendall((msg + " " + a[0] + "\\n").encode()); c.close()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
            while True:
                d, a = s.recvfrom(512); s.sendto((msg + " " + a[0] + "\\n").encode(), a)
        """
    static let client = """
        import socket, sys, time
        kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        deadline = time.time() + 4
        while True:
            try:
                if kind == "tcp":
                    s = socket.create_connection((host, port), 2); s.settimeout(2)
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1); s.sendto(b"hi", (host, port))
                print(s.recv(200).decode().strip()); break
            except Exception as e:
                if time.time() > deadline:
                    print("ERR", e); sys.exit(1)
                time.sleep(0.2)
        """

    static func serve(in namespace: String?, kind: String = "tcp", port: Int, message: String) throws -> Background {
        var arguments = ["/usr/bin/python3", "-c", server, kind, String(port), message]
        if let namespace { arguments = ["/usr/bin/nsenter", "--net=\(namespace)"] + arguments }
        return try Background(arguments)
    }

    /// The server's answer as seen from `namespace` (nil: the host).
    static func ask(from namespace: String?, kind: String = "tcp", host: String, port: Int) throws -> String {
        var arguments = ["/usr/bin/python3", "-c", client, kind, host, String(port)]
        if let namespace { arguments = ["/usr/bin/nsenter", "--net=\(namespace)"] + arguments }
        return try runTool(arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A scratch directory for namespace files, made a shared mount point by
/// `NetworkNamespace.create`; removing it unmounts that too.
final class NamespaceDirectory {
    let path = "/run/berth-test-\(uniqueHex(8))"
    func namespacePath(_ name: String) -> String { "\(path)/\(name)" }
    func remove() {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}
