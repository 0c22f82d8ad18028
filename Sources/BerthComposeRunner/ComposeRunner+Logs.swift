import BerthAPIModel
import BerthClient
import BerthCompose
import BerthSystem
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `logs`: each container's log stream, read on its own thread, printed
/// line by line behind a `name  | ` prefix padded to the longest name, in a
/// colour per container when stdout is a terminal (compose's log printer).
extension ComposeRunner {
    public struct LogOptions: Sendable {
        public var follow = false
        public var timestamps = false
        public var tail: String?
        public var since: String?
        public var until: String?
        public var prefix = true
        public var colour: Bool = isatty(1) != 0
        public init() {}
    }

    /// compose's rainbow: ANSI foreground colours, cycled per container.
    static let colours = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]

    public func logs(_ services: [String], _ options: LogOptions) throws {
        let containers = try serviceContainers(services)
        try printLogs(of: containers, options)
    }

    /// Streams the logs of `containers` until every stream ends.
    public func printLogs(of containers: [ExistingContainer], _ options: LogOptions) throws {
        let width = containers.map(\.name.count).max() ?? 0
        let output = Mutex(())
        let failure = Mutex<(any Error)?>(nil)
        let group = DispatchGroup()
        for (i, c) in containers.enumerated() {
            var prefix = options.prefix ? c.name + String(repeating: " ", count: width - c.name.count) + "  | " : ""
            if options.colour && options.prefix { prefix = "\u{1B}[\(Self.colours[i % Self.colours.count])m" + prefix + "\u{1B}[0m" }
            var query = Query()
            query.add("stdout", "1")
            query.add("stderr", "1")
            query.flag("follow", options.follow)
            query.flag("timestamps", options.timestamps)
            query.add("tail", options.tail)
            query.add("since", options.since)
            query.add("until", options.until)
            let client = self.client
            let id = c.id
            let linePrefix = prefix
            let logQuery = query
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do {
                    let info = try client.get(ContainerInspectResponse.self, "/containers/\(id)/json")
                    let response = try client.checked(EngineClient.Request(method: "GET", path: "/containers/\(id)/logs", query: logQuery))
                    var pending: [UInt8] = []
                    func emit(_ bytes: [UInt8], flush: Bool) {
                        pending += bytes
                        var lines: [[UInt8]] = []
                        while let nl = pending.firstIndex(of: 10) {
                            lines.append(Array(pending[..<nl]))
                            pending.removeFirst(nl + 1)
                        }
                        if flush && !pending.isEmpty { lines.append(pending); pending = [] }
                        guard !lines.isEmpty else { return }
                        var text: [UInt8] = []
                        for line in lines { text += Array(linePrefix.utf8) + line + [10] }
                        output.withLock { _ in ComposeRunner.write(1, text) }
                    }
                    if info.config?.tty == true {
                        while case let chunk = try response.read(), !chunk.isEmpty { emit(chunk, flush: false) }
                    } else {
                        var reader = StdStreamReader(response)
                        while let frame = try reader.next() { emit(frame.bytes, flush: false) }
                    }
                    emit([], flush: true)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
