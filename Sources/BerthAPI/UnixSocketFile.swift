import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOPosix

/// The socket file's life: a stale one (nothing listening) is removed, a live
/// one is left alone (another daemon owns it), and the new one gets mode
/// 0660 and the `berth` group when it exists, as dockerd's `-G docker`.
enum UnixSocketFile {
    static func prepare(_ path: String, group: any EventLoopGroup) async throws {
        let directory = parentDirectory(of: path)
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o755])
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeSocket else {
            throw BerthError.conflict("\(path) exists and is not a socket; refusing to replace it")
        }
        // Only a socket nobody answers on is stale.
        if let live = try? await ClientBootstrap(group: group).connect(unixDomainSocketPath: path).get() {
            try? await live.close()
            throw BerthError.conflict("another daemon is listening on \(path)")
        }
        remove(path)
    }

    static func restrict(_ path: String, group: String) throws {
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o660]
        if groupExists(group) { attributes[.groupOwnerAccountName] = group }
        do {
            try FileManager.default.setAttributes(attributes, ofItemAtPath: path)
        } catch {
            throw BerthError(.internalError, "set mode 0660 and group \(group) on \(path)", cause: error)
        }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Looks the group up in /etc/group (the only source on the machines berth targets).
    private static func groupExists(_ name: String) -> Bool {
        guard let text = try? String(contentsOfFile: "/etc/group", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.split(separator: ":").first.map(String.init) == name }
    }
}
