/// A compiled seccomp filter, ready for seccomp(SECCOMP_SET_MODE_FILTER):
/// `bpf` is the raw `struct sock_filter` array (8 bytes per instruction, host
/// byte order) and `flags` the SECCOMP_FILTER_FLAG_* bits to load it with.
public struct SeccompProgram: Sendable, Equatable {
    public var bpf: [UInt8]
    public var flags: UInt32
    /// Set when a rule uses SCMP_ACT_NOTIFY: `flags` then holds
    /// SECCOMP_FILTER_FLAG_NEW_LISTENER, and the loader must pass the fd
    /// seccomp(2) returns to the profile's `listenerPath` (SCM_RIGHTS), as
    /// runc does.
    public var needsListener: Bool

    /// Instructions in the program.
    public var instructionCount: Int { bpf.count / 8 }

    public init(bpf: [UInt8], flags: UInt32, needsListener: Bool = false) {
        self.bpf = bpf; self.flags = flags; self.needsListener = needsListener
    }
}

/// The names the OCI spec uses for seccomp actions, operators, flags and
/// architectures, with libseccomp's values (seccomp.h, linux/seccomp.h).
enum SeccompNames {
    static let killThread: UInt32 = 0x0000_0000
    static let killProcess: UInt32 = 0x8000_0000
    static let trap: UInt32 = 0x0003_0000
    static let errno: UInt32 = 0x0005_0000
    static let notify: UInt32 = 0x7fc0_0000
    static let trace: UInt32 = 0x7ff0_0000
    static let log: UInt32 = 0x7ffc_0000
    static let allow: UInt32 = 0x7fff_0000

    /// SCMP_CMP_* → enum scmp_compare.
    static let operators: [String: UInt32] = [
        "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
        "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
    ]

    /// SECCOMP_FILTER_FLAG_* the spec allows in `flags`.
    static let flags: [String: UInt32] = [
        "SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2,
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": 32,
    ]
    static let newListenerFlag: UInt32 = 8

    /// "SCMP_ARCH_X86_64" → libseccomp's name "x86_64" (SCMP_ARCH_X86 → "x86",
    /// SCMP_ARCH_AARCH64 → "aarch64", SCMP_ARCH_PPC64LE → "ppc64le" …).
    static func architectureName(_ spec: String) -> String? {
        guard spec.hasPrefix("SCMP_ARCH_"), spec.count > 10 else { return nil }
        return spec.dropFirst(10).lowercased()
    }
}
