import ArgumentParser
import BerthAPIModel
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// Parsers for the values of docker's container flags (moby's opts package),
/// each failing with the flag and value it could not read.

/// `--env-file`: KEY=VALUE lines; `#` comments and blank lines skipped; a bare KEY takes the caller's value.
func readEnvFile(_ path: String) throws -> [String] {
    let fd = try openForReading(path)
    defer { close(fd) }
    var bytes: [UInt8] = []
    let next = chunks(of: fd)
    while let chunk = try next() { bytes += chunk }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { raw in
        let line = raw.trimmingLeadingSpaces
        if line.isEmpty || line.hasPrefix("#") { return nil }
        return expandEnv(line)
    }.filter { !$0.isEmpty }
}

/// `-e NAME` without a value takes NAME's value from the caller's environment (dropped when unset).
func expandEnv(_ item: String) -> String {
    if item.contains("=") { return item }
    return environment()[item].map { "\(item)=\($0)" } ?? ""
}

/// "80", "80/udp", "8000-8002" → "80/tcp" … (docker's nat.ParsePortRange).
func expandPortRange(_ spec: String) throws -> [String] {
    let parts = spec.split(separator: "/", maxSplits: 1)
    let proto = parts.count > 1 ? String(parts[1]) : "tcp"
    guard ["tcp", "udp", "sctp"].contains(proto) else { throw ValidationError("invalid proto: \(proto)") }
    let range = parts.first.map(String.init) ?? ""
    let bounds = range.split(separator: "-", maxSplits: 1).map { Int($0) }
    guard let low = bounds.first ?? nil, (1...65535).contains(low) else { throw ValidationError("invalid containerPort: \(range)") }
    let high = bounds.count > 1 ? bounds[1] : low
    guard let high, high >= low, high <= 65535 else { throw ValidationError("invalid containerPort: \(range)") }
    return (low...high).map { "\($0)/\(proto)" }
}

/// `-p [ip:][hostPort:]containerPort[/proto]` → container port and binding(s).
func parsePublish(_ spec: String) throws -> [(String, PortBinding)] {
    var rest = spec
    var proto = "tcp"
    if let slash = rest.lastIndex(of: "/") {
        proto = String(rest[rest.index(after: slash)...])
        rest = String(rest[..<slash])
    }
    var ip = "", hostPort = "", containerPort = rest
    if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
        ip = String(rest[rest.index(after: rest.startIndex)..<close])
        let after = rest.index(close, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex
        rest = String(rest[after...])
    }
    let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    switch parts.count {
    case 1: containerPort = parts[0]
    case 2: hostPort = parts[0]; containerPort = parts[1]
    case 3: ip = parts[0]; hostPort = parts[1]; containerPort = parts[2]
    default: throw ValidationError("invalid port format for --publish: \(spec)")
    }
    let ports = try expandPortRange(containerPort + "/" + proto)
    var hostPorts: [String] = ports.map { _ in hostPort }
    if hostPort.contains("-") {
        let hosts = try expandPortRange(hostPort).map { String($0.prefix { $0 != "/" }) }
        guard hosts.count == ports.count else {
            throw ValidationError("invalid ranges specified for container and host Ports: \(spec)")
        }
        hostPorts = hosts
    } else if !hostPort.isEmpty {
        guard let number = Int(hostPort), (0...65535).contains(number) else { throw ValidationError("invalid hostPort: \(hostPort)") }
    }
    return zip(ports, hostPorts).map { ($0, PortBinding(hostIp: ip, hostPort: $1)) }
}

/// `--restart no|always|unless-stopped|on-failure[:N]`.
func parseRestart(_ text: String) throws -> RestartPolicy {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    switch name {
    case "no", "always", "unless-stopped":
        guard parts.count == 1 else { throw ValidationError("invalid restart policy: maximum retry count can only be used with 'on-failure'") }
        return RestartPolicy(name: name)
    case "on-failure":
        guard parts.count == 1 || Int(parts[1]) != nil else { throw ValidationError("invalid restart policy format: maximum retry count must be an integer") }
        return RestartPolicy(name: name, maximumRetryCount: parts.count > 1 ? Int(parts[1]) : nil)
    default:
        throw ValidationError("invalid restart policy format: \(text)")
    }
}

/// docker's RAMInBytes: "512m", "1g", "1024", "1.5GB" (binary units).
func parseBytes(_ text: String, flag: String) throws -> Int64 {
    let lower = text.lowercased()
    let digits = lower.prefix { $0.isNumber || $0 == "." }
    var unit = lower.dropFirst(digits.count)
    if unit.hasSuffix("ib") { unit = unit.dropLast(2) } else if unit.hasSuffix("b") { unit = unit.dropLast() }
    let scale: Double
    switch unit {
    case "": scale = 1
    case "k": scale = 1024
    case "m": scale = 1024 * 1024
    case "g": scale = 1024 * 1024 * 1024
    case "t": scale = 1024 * 1024 * 1024 * 1024
    default: throw ValidationError("invalid size: '\(text)' for \(flag)")
    }
    guard let value = Double(digits), value >= 0 else { throw ValidationError("invalid size: '\(text)' for \(flag)") }
    return Int64(value * scale)
}

/// `--cpus 1.5` → NanoCPUs.
func parseCPUs(_ text: String) throws -> Int64 {
    guard let value = Double(text), value >= 0 else { throw ValidationError("invalid argument \"\(text)\" for \"--cpus\" flag: not a number") }
    return Int64((value * 1e9).rounded())
}

/// `--ulimit nofile=1024[:2048]`.
func parseUlimit(_ text: String) throws -> HostConfig.Ulimits {
    let parts = text.split(separator: "=", maxSplits: 1)
    guard parts.count == 2 else { throw ValidationError("invalid ulimit argument: \(text)") }
    let limits = parts[1].split(separator: ":").map { Int($0) }
    guard let soft = limits.first ?? nil, limits.count <= 2 else { throw ValidationError("invalid ulimit argument: \(text)") }
    let hard = limits.count == 2 ? limits[1] : soft
    guard let hard, hard >= soft else { throw ValidationError("ulimit soft limit must be less than or equal to hard limit: \(text)") }
    return HostConfig.Ulimits(name: String(parts[0]), soft: soft, hard: hard)
}

/// `--device /dev/x[:/dev/y[:rwm]]`.
func parseDevice(_ text: String) throws -> DeviceMapping {
    let parts = text.split(separator: ":").map(String.init)
    guard (1...3).contains(parts.count), parts[0].hasPrefix("/") else { throw ValidationError("invalid device specification: \(text)") }
    var inContainer = parts[0], permissions = "rwm"
    if parts.count >= 2 {
        if parts.count == 2, parts[1].allSatisfy({ "rwm".contains($0) }) { permissions = parts[1] } else { inContainer = parts[1] }
    }
    if parts.count == 3 { permissions = parts[2] }
    return DeviceMapping(pathOnHost: parts[0], pathInContainer: inContainer, cgroupPermissions: permissions)
}

/// `--mount type=bind|volume|tmpfs,source=…,target=…,readonly,…` (docker's opts.MountOpt).
func parseMount(_ text: String) throws -> Mount {
    var mount = Mount()
    mount.type = "volume"
    for field in text.split(separator: ",") {
        let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
        let key = pair[0].lowercased(), value = pair.count > 1 ? pair[1] : nil
        switch key {
        case "type": mount.type = value
        case "source", "src": mount.source = value
        case "target", "dst", "destination": mount.target = value
        case "readonly", "ro": mount.readOnly = value.map { $0 == "true" || $0 == "1" } ?? true
        case "bind-propagation": mount.bindOptions = Mount.BindOptions(propagation: value)
        case "volume-nocopy": mount.volumeOptions = Mount.VolumeOptions(noCopy: value.map { $0 == "true" || $0 == "1" } ?? true)
        case "tmpfs-size": mount.tmpfsOptions = Mount.TmpfsOptions(sizeBytes: try parseBytes(value ?? "", flag: "--mount tmpfs-size"), mode: mount.tmpfsOptions?.mode)
        case "tmpfs-mode":
            guard let mode = Int(value ?? "", radix: 8) else { throw ValidationError("invalid tmpfs-mode in --mount \(text)") }
            mount.tmpfsOptions = Mount.TmpfsOptions(sizeBytes: mount.tmpfsOptions?.sizeBytes, mode: mode)
        default: throw ValidationError("unexpected key '\(key)' in '\(text)' for --mount")
        }
    }
    guard mount.target?.isEmpty == false else { throw ValidationError("target is required in --mount \(text)") }
    guard ["bind", "volume", "tmpfs"].contains(mount.type ?? "") else { throw ValidationError("invalid mount type '\(mount.type ?? "")' in --mount \(text)") }
    return mount
}

/// Go durations as docker's flags take them ("30s", "1m30s", "500ms", "2h") → nanoseconds.
func parseDuration(_ text: String, flag: String) throws -> Int64 {
    var total: Double = 0
    var rest = Substring(text)
    guard !rest.isEmpty else { throw ValidationError("invalid duration '' for \(flag)") }
    if rest == "0" { return 0 }
    while !rest.isEmpty {
        let number = rest.prefix { $0.isNumber || $0 == "." }
        rest = rest.dropFirst(number.count)
        let unit = rest.prefix { !$0.isNumber && $0 != "." }
        rest = rest.dropFirst(unit.count)
        let scale: Double
        switch unit {
        case "ns": scale = 1
        case "us", "µs": scale = 1e3
        case "ms": scale = 1e6
        case "s": scale = 1e9
        case "m": scale = 60e9
        case "h": scale = 3600e9
        default: throw ValidationError("invalid duration '\(text)' for \(flag): use a number and a unit (ms, s, m, h)")
        }
        guard let value = Double(number) else { throw ValidationError("invalid duration '\(text)' for \(flag)") }
        total += value * scale
    }
    return Int64(total)
}
