import BerthSystem

/// One eBPF instruction (struct bpf_insn): 8 bytes, registers in one byte
/// (dst in the low nibble on little-endian hosts).
struct BPFInstruction: Equatable, Sendable {
    var code: UInt8
    var dst: UInt8 = 0
    var src: UInt8 = 0
    var off: Int16 = 0
    var imm: Int32 = 0

    var bytes: [UInt8] {
        let o = UInt16(bitPattern: off), i = UInt32(bitPattern: imm)
        return [code, (src << 4) | (dst & 0x0f), UInt8(o & 0xff), UInt8(o >> 8),
                UInt8(i & 0xff), UInt8((i >> 8) & 0xff), UInt8((i >> 16) & 0xff), UInt8(i >> 24)]
    }

    // Opcodes used by the device filter (linux/bpf_common.h, linux/bpf.h).
    static let ldxMemW: UInt8 = 0x61   // BPF_LDX | BPF_MEM | BPF_W
    static let andImm32: UInt8 = 0x54  // BPF_ALU | BPF_AND | BPF_K
    static let rshImm32: UInt8 = 0x74  // BPF_ALU | BPF_RSH | BPF_K
    static let movImm32: UInt8 = 0xb4  // BPF_ALU | BPF_MOV | BPF_K
    static let movReg32: UInt8 = 0xbc  // BPF_ALU | BPF_MOV | BPF_X
    static let jneImm: UInt8 = 0x55    // BPF_JMP | BPF_JNE | BPF_K
    static let jneReg: UInt8 = 0x5d    // BPF_JMP | BPF_JNE | BPF_X
    static let exit: UInt8 = 0x95      // BPF_JMP | BPF_EXIT

    /// The instruction as cilium/ebpf prints it (runc's devicefilter tests).
    var text: String {
        switch code {
        case Self.ldxMemW: return "LdXMemW dst: r\(dst) src: r\(src) off: \(off) imm: \(imm)"
        case Self.andImm32: return "AndImm32 dst: r\(dst) imm: \(imm)"
        case Self.rshImm32: return "RShImm32 dst: r\(dst) imm: \(imm)"
        case Self.movImm32: return "MovImm32 dst: r\(dst) imm: \(imm)"
        case Self.movReg32: return "MovReg32 dst: r\(dst) src: r\(src)"
        case Self.jneImm: return "JNEImm dst: r\(dst) off: \(off) imm: \(imm)"
        case Self.jneReg: return "JNEReg dst: r\(dst) off: \(off) src: r\(src)"
        case Self.exit: return "Exit"
        default: return "code 0x\(String(code, radix: 16)) dst: r\(dst) src: r\(src) off: \(off) imm: \(imm)"
        }
    }
}

/// Translates device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program, the
/// cgroup v2 replacement for the devices controller. Same program shape as
/// runc's devicefilter (itself from crun's ebpf.c): load type, access, major
/// and minor into r2..r5, then one block per exception that jumps to the next
/// block on any mismatch and otherwise returns the exception's verdict; the
/// last block returns the default.
enum DeviceFilter {
    /// Kernel device-type and access codes (BPF_DEVCG_DEV_*, BPF_DEVCG_ACC_*).
    static let devBlock: Int32 = 1, devChar: Int32 = 2
    static let accMknod: Int32 = 1, accRead: Int32 = 2, accWrite: Int32 = 4
    static let license = "Apache"

    static func program(for rules: [CgroupDeviceRule]) throws -> [BPFInstruction] {
        let state = try CgroupDeviceEmulator(rules)
        var insts: [BPFInstruction] = [
            // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
            .init(code: BPFInstruction.ldxMemW, dst: 2, src: 1, off: 0),   // r2 = type (low 16 bits)
            .init(code: BPFInstruction.andImm32, dst: 2, imm: 0xFFFF),
            .init(code: BPFInstruction.ldxMemW, dst: 3, src: 1, off: 0),   // r3 = access (high 16 bits)
            .init(code: BPFInstruction.rshImm32, dst: 3, imm: 16),
            .init(code: BPFInstruction.ldxMemW, dst: 4, src: 1, off: 4),   // r4 = major
            .init(code: BPFInstruction.ldxMemW, dst: 5, src: 1, off: 8),   // r5 = minor
        ]
        for rule in state.orderedExceptions { insts += block(for: rule) }
        insts += [.init(code: BPFInstruction.movImm32, dst: 0, imm: state.defaultAllow ? 1 : 0),
                  .init(code: BPFInstruction.exit)]
        return insts
    }

    /// One rule's block; its jumps land on the first instruction after it.
    private static func block(for rule: CgroupDeviceRule) -> [BPFInstruction] {
        // (kind, operand): the checks in order; built first so offsets are known.
        var checks: [[BPFInstruction]] = []
        checks.append([.init(code: BPFInstruction.jneImm, dst: 2, imm: rule.type == "b" ? devBlock : devChar)])
        var acc: Int32 = 0
        if rule.access.contains(.read) { acc |= accRead }
        if rule.access.contains(.write) { acc |= accWrite }
        if rule.access.contains(.mknod) { acc |= accMknod }
        if rule.access != .all {
            // Every requested access bit must be in the rule: (r3 & acc) != r3 → next.
            checks.append([.init(code: BPFInstruction.movReg32, dst: 1, src: 3),
                           .init(code: BPFInstruction.andImm32, dst: 1, imm: acc),
                           .init(code: BPFInstruction.jneReg, dst: 1, src: 3)])
        }
        if rule.major >= 0 { checks.append([.init(code: BPFInstruction.jneImm, dst: 4, imm: Int32(truncatingIfNeeded: rule.major))]) }
        if rule.minor >= 0 { checks.append([.init(code: BPFInstruction.jneImm, dst: 5, imm: Int32(truncatingIfNeeded: rule.minor))]) }
        var out = checks.flatMap { $0 }
        out += [.init(code: BPFInstruction.movImm32, dst: 0, imm: rule.allow ? 1 : 0), .init(code: BPFInstruction.exit)]
        for i in out.indices where out[i].code == BPFInstruction.jneImm || out[i].code == BPFInstruction.jneReg {
            out[i].off = Int16(out.count - i - 1)
        }
        return out
    }
}
