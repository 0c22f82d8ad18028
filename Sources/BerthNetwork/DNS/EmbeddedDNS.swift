import BerthSystem
import CBerth
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Docker's embedded DNS server at 127.0.0.11:53, one UDP and one TCP
/// socket inside each container's network namespace, all served by the
/// daemon. The sockets are created on a thread that setns()es into the
/// container's namespace (cberth_net.h) and then belong to it, so binding
/// and serving happen from ordinary daemon threads: Dispatch read sources
/// for the listening sockets, a worker queue for forwarding and TCP
/// connections. Docker instead listens on random ports and DNATs 53 to them
/// inside the container; binding 53 directly needs no rules in the
/// container's namespace.
public final class EmbeddedDNS: Sendable {
    /// 127.0.0.11, the address every docker container's resolv.conf names.
    public static let address = IPv4Address(127, 0, 0, 11)

    /// @unchecked: the sources are only resumed once and cancelled, both
    /// thread-safe in Dispatch; the rest is immutable or behind a Mutex.
    private final class Instance: @unchecked Sendable {
        let networks: Mutex<Set<String>>
        let upstreams: [DNSUpstream]
        let sources: [any DispatchSourceRead]
        init(networks: Set<String>, upstreams: [DNSUpstream], sources: [any DispatchSourceRead]) {
            self.networks = Mutex(networks)
            self.upstreams = upstreams
            self.sources = sources
        }
    }

    public let records: DNSRecords
    private let instances: Mutex<[String: Instance]> = Mutex([:])
    private let queue = DispatchQueue(label: "berth.dns")
    private let workers = DispatchQueue(label: "berth.dns.workers", attributes: .concurrent)

    public init(records: DNSRecords) {
        self.records = records
    }

    /// Starts serving the container: binds 127.0.0.11:53 (UDP and TCP) in
    /// its namespace (bringing lo up if needed). `networks` are the
    /// networks whose names it resolves; `upstreams` where other names go.
    public func start(containerID: String, namespace: NetworkNamespace, networks: Set<String>,
                      upstreams: [DNSUpstream]) throws {
        let inside = try RouteNetlink(namespace: namespace)
        if let lo = try inside.link(named: "lo"), !lo.isUp { try inside.setLink(index: lo.index, up: true) }
        let udp = try bound(Int32(SOCK_DGRAM.rawValue), in: namespace)
        let tcp: Int32
        do {
            tcp = try bound(Int32(SOCK_STREAM.rawValue), in: namespace)
        } catch {
            close(udp)
            throw error
        }
        guard listen(tcp, 64) == 0 else {
            let saved = errno
            close(udp); close(tcp)
            throw SystemError("listen", path: "127.0.0.11:53/tcp in \(namespace.path)", errno: saved)
        }
        let udpSource = DispatchSource.makeReadSource(fileDescriptor: udp, queue: queue)
        let tcpSource = DispatchSource.makeReadSource(fileDescriptor: tcp, queue: queue)
        let instance = Instance(networks: networks, upstreams: upstreams, sources: [udpSource, tcpSource])
        udpSource.setEventHandler { [weak self] in self?.drainUDP(udp, instance) }
        tcpSource.setEventHandler { [weak self] in self?.acceptTCP(tcp, instance) }
        udpSource.setCancelHandler { close(udp) }
        tcpSource.setCancelHandler { close(tcp) }
        let previous = instances.withLock { instances in
            defer { instances[containerID] = instance }
            return instances[containerID]
        }
        previous?.sources.forEach { $0.cancel() }
        udpSource.resume()
        tcpSource.resume()
    }

    /// The container joined or left a network (`docker network connect`).
    public func setNetworks(containerID: String, networks: Set<String>) {
        instances.withLock { $0[containerID] }?.networks.withLock { $0 = networks }
    }

    /// Stops serving the container and closes its sockets.
    public func stop(containerID: String) {
        instances.withLock { $0.removeValue(forKey: containerID) }?.sources.forEach { $0.cancel() }
    }

    /// Stops every container's server (daemon shutdown).
    public func stopAll() {
        instances.withLock { instances in
            defer { instances = [:] }
            return Array(instances.values)
        }.forEach { $0.sources.forEach { $0.cancel() } }
    }

    private func bound(_ type: Int32, in namespace: NetworkNamespace) throws -> Int32 {
        let kind = type == Int32(SOCK_DGRAM.rawValue) ? "udp" : "tcp"
        let fd = berth_netns_socket(namespace.fd, AF_INET, type, 0)
        guard fd >= 0 else { throw SystemError("socket(\(kind)) in netns", path: namespace.path, errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(53).bigEndian
        sin.sin_addr = in_addr(s_addr: EmbeddedDNS.address.value.bigEndian)
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let saved = errno
            close(fd)
            throw SystemError("bind", path: "127.0.0.11:53/\(kind) in \(namespace.path)", errno: saved)
        }
        return fd
    }

    private func drainUDP(_ fd: Int32, _ instance: Instance) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
                }
            }
            guard n > 0 else { return }
            let packet = Array(buffer[0..<n])
            let sender = peer
            let reply = { @Sendable (answer: [UInt8]) in
                var to = sender
                _ = answer.withUnsafeBytes { bytes in
                    withUnsafePointer(to: &to) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
            }
            handle(packet, instance, overTCP: false, reply: reply)
        }
    }

    private func acceptTCP(_ fd: Int32, _ instance: Instance) {
        while true {
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            _ = fcntl(connection, F_SETFL, fcntl(connection, F_GETFL) & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            workers.async { [weak self] in
                defer { close(connection) }
                // Several queries may come on one connection; it ends at EOF
                // or after 5 s of silence.
                while let query = DNSStream.read(connection), let self {
                    let done = Mutex<[UInt8]?>(nil)
                    self.handle(query, instance, overTCP: true, synchronous: true) { answer in done.withLock { $0 = answer } }
                    guard let answer = done.withLock({ $0 }), DNSStream.write(connection, answer) else { return }
                }
            }
        }
    }

    /// Answers from the table or forwards; `reply` gets the wire answer.
    private func handle(_ packet: [UInt8], _ instance: Instance, overTCP: Bool, synchronous: Bool = false,
                        reply: @escaping @Sendable ([UInt8]) -> Void) {
        guard let query = try? DNSMessage.decode(packet) else { return } // garbage: drop, as resolvers do
        let networks = instance.networks.withLock { $0 }
        if let answer = DNSAnswerer.answer(query, records: records, networks: networks) {
            reply(answer.encode())
            return
        }
        let upstreams = instance.upstreams
        let forward = { @Sendable in
            if let answer = DNSForwarder.forward(packet, id: query.id, upstreams: upstreams, overTCP: overTCP) {
                reply(answer)
            } else {
                reply(DNSMessage.response(to: query, rcode: DNSMessage.rcodeServFail, authoritative: false).encode())
            }
        }
        if synchronous { forward() } else { workers.async(execute: forward) }
    }
}
