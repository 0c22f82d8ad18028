import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `docker import --change`: the Dockerfile instructions dockerd accepts
/// there (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR,
/// STOPSIGNAL; builder/dockerfile's `validCommitCommands`), applied to an
/// empty container config.
enum ImportChanges {
    static func config(_ changes: [String]) throws -> BerthOCI.ContainerConfig? {
        guard !changes.isEmpty else { return nil }
        var config = BerthOCI.ContainerConfig()
        for change in changes {
            let trimmed = change.trimmingWhitespace(newlines: false)
            let keyword = trimmed.prefix { !$0.isWhitespace }.uppercased()
            let rest = trimmed.dropFirst(keyword.count).trimmingWhitespace(newlines: false)
            switch keyword {
            case "CMD": config.cmd = try command(rest, shell: true)
            case "ENTRYPOINT": config.entrypoint = try command(rest, shell: true)
            case "ENV":
                config.env = (config.env ?? []) + (try pairs(rest, keyword).map { "\($0.0)=\($0.1)" })
            case "LABEL":
                var labels = config.labels ?? [:]
                for (key, value) in try pairs(rest, keyword) { labels[key] = value }
                config.labels = labels
            case "EXPOSE":
                var ports = config.exposedPorts ?? [:]
                for port in rest.split(separator: " ") { ports[port.contains("/") ? String(port) : "\(port)/tcp"] = EmptyObject() }
                config.exposedPorts = ports
            case "VOLUME":
                var volumes = config.volumes ?? [:]
                for volume in try command(rest, shell: false) { volumes[volume] = EmptyObject() }
                config.volumes = volumes
            case "USER": config.user = rest
            case "WORKDIR": config.workingDir = rest
            case "STOPSIGNAL": config.stopSignal = rest
            default:
                throw BerthError.invalidArgument("\(keyword.lowercased()) is not a valid change command")
            }
        }
        return config
    }

    /// JSON form `["a","b"]`, else shell form (`/bin/sh -c …`) or words.
    static func command(_ text: String, shell: Bool) throws -> [String] {
        if text.hasPrefix("["), let array = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) {
            return array
        }
        return shell ? ["/bin/sh", "-c", text] : text.split(separator: " ").map(String.init)
    }

    /// `K=V K2="V 2"` or the legacy `K V`.
    static func pairs(_ text: String, _ keyword: String) throws -> [(String, String)] {
        guard text.contains("=") else {
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw BerthError.invalidArgument("\(keyword) requires at least one argument") }
            return [(parts[0], parts[1])]
        }
        var result: [(String, String)] = []
        var word = "", quote: Character? = nil
        var words: [String] = []
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == " " {
                if !word.isEmpty { words.append(word); word = "" }
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { words.append(word) }
        for item in words {
            guard let eq = item.firstIndex(of: "=") else {
                throw BerthError.invalidArgument("\(keyword) names can not be blank: \(item)")
            }
            result.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        return result
    }
}
