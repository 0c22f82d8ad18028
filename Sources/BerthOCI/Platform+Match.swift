#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem

extension Platform {
    /// The platform with containerd's normalisation (platforms.Normalize):
    /// lowercase, `x86_64`→`amd64`, `aarch64`→`arm64` (its `v8` variant is
    /// the default, so dropped), `arm` defaults to `v7`, `armhf`→`arm/v7`.
    public var normalized: Platform {
        var p = self
        p.os = Platform.normalizeOS(os)
        (p.architecture, p.variant) = Platform.normalizeArch(architecture, variant ?? "")
        if p.variant == "" { p.variant = nil }
        return p
    }

    static func normalizeOS(_ os: String) -> String {
        let os = os.lowercased()
        return os == "macos" ? "darwin" : os
    }

    /// containerd's normalizeArch.
    static func normalizeArch(_ arch: String, _ variant: String) -> (String, String) {
        var arch = arch.lowercased(), variant = variant.lowercased()
        switch arch {
        case "i386", "i686", "386":
            arch = "386"; variant = ""
        case "x86_64", "x86-64", "amd64":
            arch = "amd64"
            if variant == "v1" { variant = "" }
        case "aarch64", "arm64":
            arch = "arm64"
            switch variant {
            case "8", "v8", "v8.0": variant = ""
            case "9", "9.0", "v9.0": variant = "v9"
            default: break
            }
        case "armhf":
            arch = "arm"; variant = "v7"
        case "armel":
            arch = "arm"; variant = "v6"
        case "arm":
            switch variant {
            case "", "7": variant = "v7"
            case "5", "6", "8": variant = "v" + variant
            default: break
            }
        default: break
        }
        return (arch, variant)
    }

    /// The platform of a machine whose `uname -m` is `machine`: arm64 is
    /// `arm64/v8` and 32-bit arm is `arm/v7` unless uname says v6 or v5, as
    /// containerd's DefaultSpec with cpuVariant.
    public static func host(machine: String, os: String = "linux") -> Platform {
        let m = machine.lowercased()
        switch m {
        case "x86_64", "amd64": return Platform(os: os, architecture: "amd64")
        case "aarch64", "arm64", "armv8l", "armv8b": return Platform(os: os, architecture: "arm64", variant: "v8")
        case "i386", "i486", "i586", "i686": return Platform(os: os, architecture: "386")
        default:
            if m.hasPrefix("armv") {
                let version = m.dropFirst(4).prefix { $0.isNumber }
                return Platform(os: os, architecture: "arm", variant: version.isEmpty ? "v7" : "v\(version)")
            }
            if m.hasPrefix("arm") { return Platform(os: os, architecture: "arm", variant: "v7") }
            return Platform(os: os, architecture: m)
        }
    }

    /// The platform of this machine, from uname(2).
    public static var current: Platform {
        var name = utsname()
        guard uname(&name) == 0 else { return Platform(os: "linux", architecture: "amd64") }
        let machine = withUnsafeBytes(of: &name.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return host(machine: machine)
    }

    static let knownOS: Set<String> = ["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
                                       "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos"]
    static let knownArch: Set<String> = ["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64",
                                         "ppc64le", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32",
                                         "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc",
                                         "sparc64", "wasm"]

    /// Parses `os[/arch[/variant]]` or a lone OS or architecture, as
    /// `docker pull --platform` (containerd platforms.Parse); missing parts
    /// come from `host`.
    public init(parsing specifier: String, host: Platform = .current) throws {
        let parts = specifier.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts where part.isEmpty || !part.utf8.allSatisfy({ ReferenceParser.isWord($0) || $0 == UInt8(ascii: "-") }) {
            throw BerthError.invalidArgument("invalid platform \"\(specifier)\": component \"\(part)\" must be [A-Za-z0-9_-]+")
        }
        switch parts.count {
        case 1:
            let os = Platform.normalizeOS(parts[0])
            if Platform.knownOS.contains(os) {
                self.init(os: os, architecture: host.architecture, variant: host.variant)
                return
            }
            let (arch, variant) = Platform.normalizeArch(parts[0], "")
            guard Platform.knownArch.contains(arch) else {
                throw BerthError.invalidArgument("invalid platform \"\(specifier)\": unknown operating system or architecture")
            }
            self.init(os: host.os, architecture: arch, variant: variant.isEmpty || (arch == "arm" && variant == "v7") ? nil : variant)
        case 2, 3:
            let (arch, variant) = Platform.normalizeArch(parts[1], parts.count == 3 ? parts[2] : "")
            var v: String? = variant.isEmpty ? nil : variant
            if parts.count == 2, arch == "arm", variant == "v7" { v = nil }
            if parts.count == 3, arch == "arm64", v == nil { v = "v8" }
            self.init(os: Platform.normalizeOS(parts[0]), architecture: arch, variant: v)
        default:
            throw BerthError.invalidArgument("invalid platform \"\(specifier)\": expected os[/arch[/variant]]")
        }
    }
}

/// Chooses manifests for a platform as containerd's `platforms.Only` does:
/// an exact (normalised) match first, then what the platform can also run,
/// best first: amd64/v3 → v2 → v1 → 386; arm/v7 → v6 → v5; arm64 → arm/v8 … v5.
public struct PlatformMatcher: Sendable {
    /// The platforms accepted, best first, normalised.
    public let preferences: [Platform]

    public init(_ platform: Platform) {
        preferences = PlatformMatcher.vector(platform.normalized)
    }

    /// The matcher for this machine.
    public static var host: PlatformMatcher { PlatformMatcher(.current) }

    static func vector(_ p: Platform) -> [Platform] {
        var out = [p]
        func variantNumber(_ v: String?) -> Int? { v.flatMap { Int($0.hasPrefix("v") ? String($0.dropFirst()) : $0) } }
        switch p.architecture {
        case "amd64":
            if var n = variantNumber(p.variant), n > 1 {
                n -= 1
                while n >= 1 {
                    out.append(Platform(os: p.os, architecture: "amd64", variant: n == 1 ? nil : "v\(n)"))
                    n -= 1
                }
            }
            out.append(Platform(os: p.os, architecture: "386"))
        case "arm":
            if var n = variantNumber(p.variant), n > 5 {
                n -= 1
                while n >= 5 { out.append(Platform(os: p.os, architecture: "arm", variant: "v\(n)")); n -= 1 }
            }
        case "arm64":
            out += vector(Platform(os: p.os, architecture: "arm", variant: p.variant ?? "v8"))
        default: break
        }
        return out
    }

    /// The rank of `platform` (0 is best), or nil when it cannot run here.
    public func rank(_ platform: Platform) -> Int? {
        let n = platform.normalized
        return preferences.firstIndex { $0.os == n.os && $0.architecture == n.architecture && $0.variant == n.variant }
    }

    public func matches(_ platform: Platform) -> Bool { rank(platform) != nil }

    /// The best manifest of an index for this platform; ties go to the one
    /// listed first, as in containerd's images.Manifest.
    public func best(of manifests: [Descriptor]) -> Descriptor? {
        var best: (rank: Int, descriptor: Descriptor)?
        for d in manifests {
            guard let platform = d.platform, let r = rank(platform) else { continue }
            if best == nil || r < best!.rank { best = (r, d) }
        }
        return best?.descriptor
    }
}
