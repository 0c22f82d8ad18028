import BerthEngine
import BerthSystem
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The Docker Engine API server: HTTP/1.1 on a Unix socket (SwiftNIO),
/// routing every endpoint of the v1.50 spec to the backends.
///
///     let server = APIServer(backends: backends, socketPath: "/run/berth/berth.sock")
///     try await server.start()
///     ...
///     try await server.shutdown()
public final class APIServer: Sendable {
    /// A TCP listener, served only with TLS and client verification, as
    /// dockerd's `--tlsverify`: the client's certificate must be signed by
    /// the CA at `caPath` (docker's "mutual TLS"); the server presents
    /// `certPath`/`keyPath`.
    public struct TCPListener: Sendable {
        public var host: String
        public var port: Int
        public var caPath: String
        public var certPath: String
        public var keyPath: String

        public init(host: String, port: Int, caPath: String, certPath: String, keyPath: String) {
            self.host = host
            self.port = port
            self.caPath = caPath
            self.certPath = certPath
            self.keyPath = keyPath
        }
    }

    /// What every connection handler shares (immutable).
    struct Shared: Sendable {
        let router: Router
        let logger: Logger
        let maxBodySize: Int
        let commonHeaders: HTTPHeaders
    }

    /// The largest buffered (JSON) request body; larger ones get 413.
    public static let defaultMaxBodySize = 4 << 20

    public let socketPath: String
    public let tcp: TCPListener?
    private let shared: Shared
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox<State>(State())

    private struct State {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    /// - Parameters:
    ///   - serverVersion: the engine version in the `Server: Docker/<v> (linux)` header.
    ///   - socketGroup: the group that may use the socket (mode 0660), when it exists.
    public init(backends: Backends, socketPath: String, tcp: TCPListener? = nil,
                serverVersion: String = "28.2.2", socketGroup: String = "berth",
                maxBodySize: Int = APIServer.defaultMaxBodySize,
                logger: Logger = Logger(label: "berth.api")) {
        self.socketPath = socketPath
        self.tcp = tcp
        self.socketGroup = socketGroup
        self.group = MultiThreadedEventLoopGroup.singleton
        // dockerd's version middleware puts these on every response.
        let headers: HTTPHeaders = [
            "Server": "Docker/\(serverVersion) (linux)",
            "API-Version": APIVersion.current.description,
            "Docker-Experimental": "false",
            "OSType": "linux",
        ]
        self.shared = Shared(router: Routes.make(backends), logger: logger, maxBodySize: maxBodySize,
                             commonHeaders: headers)
    }

    private let socketGroup: String

    /// Binds the socket (or the TCP address) and starts serving.
    public func start() async throws {
        if let tcp {
            try await startTCP(tcp)
            return
        }
        try await UnixSocketFile.prepare(socketPath, group: group)
        let channel: any Channel
        do {
            channel = try await bootstrap(tls: nil).bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: false).get()
        } catch {
            throw BerthError(.unavailable, "listen on unix socket \(socketPath)", cause: error)
        }
        try UnixSocketFile.restrict(socketPath, group: socketGroup)
        state.withLockedValue { $0.serverChannel = channel }
        shared.logger.info("API listening on unix://\(socketPath)")
    }

    private func startTCP(_ tcp: TCPListener) async throws {
        let context: NIOSSLContext
        do {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tcp.certPath).map { .certificate($0) },
                privateKey: .file(tcp.keyPath))
            configuration.trustRoots = .file(tcp.caPath)
            // Every client must show a certificate the CA signed (--tlsverify).
            configuration.certificateVerification = .noHostnameVerification
            configuration.minimumTLSVersion = .tlsv12
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw BerthError.invalidArgument("TLS for tcp://\(tcp.host):\(tcp.port): cannot load --tlscacert \(tcp.caPath), --tlscert \(tcp.certPath) or --tlskey \(tcp.keyPath): \(error)")
        }
        let channel: any Channel
        do {
            channel = try await bootstrap(tls: context).bind(host: tcp.host, port: tcp.port).get()
        } catch {
            throw BerthError(.unavailable, "listen on tcp://\(tcp.host):\(tcp.port)", cause: error)
        }
        state.withLockedValue { $0.serverChannel = channel }
        shared.logger.info("API listening on tcp://\(tcp.host):\(tcp.port) (TLS, client certificates verified)")
    }

    private func bootstrap(tls: NIOSSLContext?) -> ServerBootstrap {
        let shared = self.shared
        let state = self.state
        return ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(HTTPResponseEncoder(), name: HTTPConnectionHandler.encoderName)
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
                                            name: HTTPConnectionHandler.decoderName)
                    try pipeline.addHandler(HTTPConnectionHandler(config: shared))
                    let id = ObjectIdentifier(channel)
                    state.withLockedValue { $0.connections[id] = channel }
                    channel.closeFuture.whenComplete { _ in
                        state.withLockedValue { _ = $0.connections.removeValue(forKey: id) }
                    }
                }
            }
    }

    /// Stops accepting, closes open connections and removes the socket file.
    public func shutdown() async throws {
        let (server, connections) = state.withLockedValue { state -> ((any Channel)?, [any Channel]) in
            defer { state.serverChannel = nil }
            return (state.serverChannel, Array(state.connections.values))
        }
        guard let server else { return }
        try? await server.close()
        for connection in connections { try? await connection.close() }
        if tcp == nil { UnixSocketFile.remove(socketPath) }
    }
}
