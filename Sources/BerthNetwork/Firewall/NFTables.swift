import BerthSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the firewall's scripts reach the kernel: libnftables in this process
/// (the library the `nft` program is a front end of), or the `nft` program.
///
/// The library is opened with dlopen, not linked: a host without nftables
/// still runs berth (networks then fail with a clear error), and nothing
/// beyond glibc is needed at build time. One context, kept for the daemon's
/// life, runs a script in about 0.5 ms; spawning `nft -f -` costs 10–25 ms
/// here (process start-up, dynamic loading, and reading the whole ruleset
/// into a fresh cache each time).
enum NFTables {
    /// Runs `script` as `nft -f -` would; throws with nft's own message.
    protocol Backend: Sendable {
        func run(_ script: String) throws
    }

    /// libnftables when it loads, else the first `nft` found.
    static func backend() throws -> any Backend {
        if let library = Library.open() { return library }
        guard let nft = Subprocess.find(["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"]) else {
            throw BerthError.unavailable("neither libnftables.so.1 nor nft found (install Debian's nftables package): berth needs it for NAT and published ports")
        }
        return Program(path: nft)
    }

    struct Program: Backend {
        let path: String

        func run(_ script: String) throws {
            let result = try Subprocess.run(path, ["-f", "-"], stdin: script)
            guard result.status == 0 else {
                throw BerthError.internalError("nft -f - failed (exit \(result.status)): \(result.stderr)")
            }
        }
    }

    /// One libnftables context. Not thread-safe, as the library: the
    /// firewall calls it under its lock.
    final class Library: Backend, @unchecked Sendable {
        private typealias New = @convention(c) (UInt32) -> OpaquePointer?
        private typealias Buffer = @convention(c) (OpaquePointer?) -> Int32
        private typealias GetBuffer = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
        private typealias RunBuffer = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32

        private let context: OpaquePointer
        private let runBuffer: RunBuffer
        private let errors: GetBuffer
        private let output: GetBuffer

        static func open() -> Library? {
            guard let handle = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL) else { return nil }
            func symbol<T>(_ name: String, as: T.Type) -> T? {
                dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
            }
            guard let new = symbol("nft_ctx_new", as: New.self),
                  let bufferOutput = symbol("nft_ctx_buffer_output", as: Buffer.self),
                  let bufferError = symbol("nft_ctx_buffer_error", as: Buffer.self),
                  let errors = symbol("nft_ctx_get_error_buffer", as: GetBuffer.self),
                  let output = symbol("nft_ctx_get_output_buffer", as: GetBuffer.self),
                  let runBuffer = symbol("nft_run_cmd_from_buffer", as: RunBuffer.self),
                  let context = new(0) else {
                dlclose(handle)
                return nil
            }
            // Messages go to buffers, not to the daemon's stdout and stderr.
            guard bufferOutput(context) == 0, bufferError(context) == 0 else { return nil }
            return Library(context: context, runBuffer: runBuffer, errors: errors, output: output)
        }

        private init(context: OpaquePointer, runBuffer: @escaping RunBuffer, errors: @escaping GetBuffer,
                     output: @escaping GetBuffer) {
            self.context = context
            self.runBuffer = runBuffer
            self.errors = errors
            self.output = output
        }

        func run(_ script: String) throws {
            let rc = script.withCString { runBuffer(context, $0) }
            // Reading a buffer also empties it for the next command.
            _ = output(context)
            let message = errors(context).map { String(cString: $0) } ?? ""
            guard rc == 0 else {
                throw BerthError.internalError("nftables refused the script: \(message.trimmingWhitespace())")
            }
        }
    }
}
