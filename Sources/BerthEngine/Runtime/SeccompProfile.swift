import BerthOCI
import BerthSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The seccomp filter of a container, as moby's `profiles/seccomp` decides
/// it: none for `--privileged` or `--security-opt seccomp=unconfined`, the
/// profile sent in `--security-opt seccomp=<json>` (docker's profile
/// format: `includes`/`excludes` by capability and architecture,
/// `archMap`), else berth's default profile.
///
/// berth's default profile is its own, written as a deny list with the
/// effects users know from docker's default (an allow list): the syscalls
/// that are not namespaced or that break out of a container — mount and
/// namespace creation, module loading, reboot and kexec, the clock,
/// keyrings, io_uring, raw I/O ports — fail with EPERM unless the
/// container holds the capability that would make them legitimate;
/// `clone3` fails with ENOSYS so that libc falls back to `clone`, whose
/// namespace flags are then checked.
enum SeccompProfile {
    /// docker's profile format (moby's `types.Seccomp`), also berth's default.
    struct Profile: Codable {
        var defaultAction: String
        var defaultErrnoRet: UInt32?
        var architectures: [String]?
        var archMap: [ArchMap]?
        var flags: [String]?
        var syscalls: [Rule]?
    }

    struct ArchMap: Codable {
        var architecture: String
        var subArchitectures: [String]?
    }

    struct Rule: Codable {
        var name: String?
        var names: [String]?
        var action: String
        var errnoRet: UInt32?
        var args: [RuntimeSpec.SyscallArg]?
        var includes: Filter?
        var excludes: Filter?

        init(_ names: [String], _ action: String = "SCMP_ACT_ERRNO", errno: UInt32? = nil,
             args: [RuntimeSpec.SyscallArg]? = nil, unlessCaps caps: [String] = []) {
            self.names = names
            self.action = action
            self.errnoRet = errno
            self.args = args
            self.excludes = caps.isEmpty ? nil : Filter(caps: caps)
        }
    }

    struct Filter: Codable {
        var caps: [String]?
        var arches: [String]?
        var minKernel: String?
    }

    /// The filter for a container with capabilities `caps` (bounding set,
    /// "CAP_…"); nil: no filter.
    static func forContainer(securityOpt: [String], caps: [String], privileged: Bool) throws -> RuntimeSpec.Seccomp? {
        var profile: Profile? = privileged ? nil : berthDefault
        for option in securityOpt {
            guard let separator = option.firstIndex(where: { $0 == "=" || $0 == ":" }),
                  option[..<separator] == "seccomp" else { continue }
            let value = String(option[option.index(after: separator)...])
            if value == "unconfined" {
                profile = nil
            } else if value == "builtin" || value == "default" {
                profile = berthDefault
            } else {
                do {
                    profile = try JSONDecoder().decode(Profile.self, from: Data(value.utf8))
                } catch {
                    throw BerthError.invalidArgument("Decoding seccomp profile failed: \(error)")
                }
            }
        }
        guard let profile else { return nil }
        return try resolve(profile, caps: Set(caps), arch: Platform.current.architecture)
    }

    /// moby's `setupSeccomp`: rules kept when every included capability
    /// and architecture matches and no excluded one does.
    static func resolve(_ profile: Profile, caps: Set<String>, arch: String) throws -> RuntimeSpec.Seccomp {
        let native = nativeArchitecture(arch)
        var architectures = profile.architectures ?? []
        if let map = profile.archMap, architectures.isEmpty {
            for entry in map where entry.architecture == native {
                architectures = [entry.architecture] + (entry.subArchitectures ?? [])
            }
        }
        var syscalls: [RuntimeSpec.Syscall] = []
        for (index, rule) in (profile.syscalls ?? []).enumerated() {
            let names = rule.names ?? rule.name.map { [$0] } ?? []
            guard !names.isEmpty else { throw BerthError.invalidArgument("seccomp profile: syscalls[\(index)] names no syscall") }
            if let include = rule.includes {
                if let needed = include.caps, !needed.allSatisfy(caps.contains) { continue }
                if let arches = include.arches, !arches.isEmpty, !arches.contains(arch) { continue }
            }
            if let exclude = rule.excludes {
                if let excluded = exclude.caps, excluded.contains(where: caps.contains) { continue }
                if let arches = exclude.arches, arches.contains(arch) { continue }
            }
            syscalls.append(RuntimeSpec.Syscall(names: names, action: rule.action, errnoRet: rule.errnoRet, args: rule.args))
        }
        return RuntimeSpec.Seccomp(defaultAction: profile.defaultAction, defaultErrnoRet: profile.defaultErrnoRet,
                                   architectures: architectures.isEmpty ? nil : architectures, flags: profile.flags,
                                   syscalls: syscalls)
    }

    static func nativeArchitecture(_ arch: String) -> String {
        switch arch {
        case "amd64": return "SCMP_ARCH_X86_64"
        case "arm64": return "SCMP_ARCH_AARCH64"
        case "arm": return "SCMP_ARCH_ARM"
        case "386": return "SCMP_ARCH_X86"
        case "ppc64le": return "SCMP_ARCH_PPC64LE"
        case "s390x": return "SCMP_ARCH_S390X"
        case "riscv64": return "SCMP_ARCH_RISCV64"
        default: return "SCMP_ARCH_" + arch.uppercased()
        }
    }

    /// clone's namespace flags (CLONE_NEWNS … CLONE_NEWCGROUP): one rule
    /// per flag, since a rule's argument conditions are all required.
    static let namespaceFlags: [UInt64] = [0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000]

    static let berthDefault: Profile = {
        let ns = namespaceFlags.map { flag in
            Rule(["clone"], args: [RuntimeSpec.SyscallArg(index: 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ")],
                 unlessCaps: ["CAP_SYS_ADMIN"])
        }
        let rules: [Rule] = [
            // Not namespaced at all: no capability makes them safe in a container.
            Rule(["add_key", "keyctl", "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register",
                  "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "create_module", "get_kernel_syms", "query_module",
                  "vm86", "vm86old"]),
            Rule(["mount", "umount", "umount2", "pivot_root", "unshare", "setns", "fsopen", "fsconfig", "fsmount", "fspick",
                  "move_mount", "open_tree", "mount_setattr", "swapon", "swapoff", "quotactl", "quotactl_fd",
                  "lookup_dcookie", "fanotify_init", "name_to_handle_at"], unlessCaps: ["CAP_SYS_ADMIN"]),
            Rule(["clone3"], errno: 38, unlessCaps: ["CAP_SYS_ADMIN"]),
            Rule(["bpf"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_BPF"]),
            Rule(["perf_event_open"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_PERFMON"]),
            Rule(["syslog"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_SYSLOG"]),
            Rule(["reboot", "kexec_load", "kexec_file_load"], unlessCaps: ["CAP_SYS_BOOT"]),
            Rule(["init_module", "finit_module", "delete_module"], unlessCaps: ["CAP_SYS_MODULE"]),
            Rule(["acct"], unlessCaps: ["CAP_SYS_PACCT"]),
            Rule(["kcmp", "process_vm_readv", "process_vm_writev", "userfaultfd"], unlessCaps: ["CAP_SYS_PTRACE"]),
            Rule(["iopl", "ioperm"], unlessCaps: ["CAP_SYS_RAWIO"]),
            Rule(["settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64"],
                 unlessCaps: ["CAP_SYS_TIME"]),
            Rule(["vhangup"], unlessCaps: ["CAP_SYS_TTY_CONFIG"]),
            Rule(["get_mempolicy", "set_mempolicy", "mbind", "move_pages"], unlessCaps: ["CAP_SYS_NICE"]),
            Rule(["open_by_handle_at"], unlessCaps: ["CAP_DAC_READ_SEARCH"]),
        ] + ns
        return Profile(defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: nil, architectures: nil,
                       archMap: [
                           ArchMap(architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
                           ArchMap(architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"]),
                       ],
                       flags: nil, syscalls: rules.map { rule in
                           var rule = rule
                           if rule.errnoRet == nil { rule.errnoRet = 1 } // EPERM
                           return rule
                       })
    }()
}
