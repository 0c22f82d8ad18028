import BerthSystem
import Synchronization

/// The daemon's packet filter: one nftables table per daemon instance
/// (`ip berth-<instance>`), so daemons side by side (tests) never touch each
/// other's rules, and berth never edits a chain it does not own.
///
/// Why nftables over iptables: a whole table is replaced in one atomic
/// transaction (delete + add in one script), so there is never a moment
/// with half the rules, no per-rule bookkeeping of handles, and reconciling
/// after a crash is just "write the table the engine's state implies".
/// iptables would need a chain per daemon in shared built-in tables and
/// rule-by-rule insert/delete. The scripts run through libnftables in this
/// process (`NFTables`), or `nft -f -` where the library is missing; a
/// reconcile to the rules already applied runs nothing.
public final class Firewall: Sendable {
    public let table: String
    private let nft: any NFTables.Backend
    private let current: Mutex<FirewallRules?>

    /// `instance` must be short and [a-z0-9-] (it becomes the table name).
    public init(instance: String) throws {
        guard !instance.isEmpty, instance.count <= 32,
              instance.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw BerthError.invalidArgument("invalid firewall instance name \"\(instance)\": use up to 32 letters, digits, - or _")
        }
        self.table = "berth-" + instance
        self.nft = try NFTables.backend()
        self.current = Mutex(nil)
    }

    /// The rules last applied.
    public var rules: FirewallRules? { current.withLock { $0 } }

    /// Replaces the whole table with what `desired` implies, atomically.
    /// Used on daemon start (after a crash the table may hold rules of
    /// containers that are gone) and after every change.
    /// Rules equal to the last applied ones cost nothing (no `nft` run):
    /// a container without published ports changes no rule.
    public func reconcile(desired: FirewallRules) throws {
        try current.withLock { current in
            if current == desired { return }
            try run("table ip \(table) {}\ndelete table ip \(table)\n" + desired.render(table: table))
            current = desired
        }
    }

    /// Applies a change to the current rules (e.g. add a container's ports).
    public func update(_ change: (inout FirewallRules) -> Void) throws {
        try current.withLock { current in
            var rules = current ?? FirewallRules()
            change(&rules)
            try run("table ip \(table) {}\ndelete table ip \(table)\n" + rules.render(table: table))
            current = rules
        }
    }

    /// Adds a container's published ports.
    public func publish(_ ports: [PortForward]) throws {
        try update { $0.ports += ports }
    }

    /// Removes every published port of a container (it stopped).
    public func unpublish(containerID: String) throws {
        try update { $0.ports.removeAll { $0.containerID == containerID } }
    }

    /// Deletes the table (clean shutdown). A missing table is fine.
    public func removeAll() throws {
        try current.withLock { current in
            try run("table ip \(table) {}\ndelete table ip \(table)\n")
            current = nil
        }
    }

    private func run(_ script: String) throws {
        do { try nft.run(script) } catch let error as BerthError {
            throw BerthError(error.code, "table ip \(table): \(error.message)")
        }
    }
}
