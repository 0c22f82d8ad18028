#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthOCI
import BerthSystem
import CSeccomp

/// Compiles an OCI seccomp profile (config-linux.md#seccomp) to BPF with
/// libseccomp, the way runc's libcontainer/seccomp does: the default action,
/// the listed architectures besides the native one, one rule per syscall
/// name, syscall names this libseccomp does not know skipped (they may not
/// exist on this architecture), and the program exported for the C child to
/// load after it dropped privileges.
public enum SeccompCompiler {
    public static func compile(_ profile: RuntimeSpec.Seccomp) throws -> SeccompProgram {
        let defaultAction = try action(profile.defaultAction, errnoRet: profile.defaultErrnoRet,
                                       field: "linux.seccomp.defaultAction", listener: profile.listenerPath)
        if defaultAction == SeccompNames.notify {
            throw BerthError.invalidArgument("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
        }
        var flags: UInt32 = 0
        for (i, name) in (profile.flags ?? []).enumerated() {
            guard let bit = SeccompNames.flags[name] else {
                throw BerthError.invalidArgument("linux.seccomp.flags[\(i)]: unknown flag \(name.debugDescription)")
            }
            flags |= bit
        }
        guard let ctx = seccomp_init(defaultAction) else {
            throw BerthError.internalError("linux.seccomp.defaultAction: libseccomp refused \(profile.defaultAction)")
        }
        defer { seccomp_release(ctx) }

        for (i, arch) in (profile.architectures ?? []).enumerated() {
            let token = SeccompNames.architectureName(arch).map { seccomp_arch_resolve_name($0) } ?? 0
            guard token != 0 else {
                throw BerthError.invalidArgument("linux.seccomp.architectures[\(i)]: unknown architecture \(arch.debugDescription)")
            }
            let rc = seccomp_arch_add(ctx, token)
            if rc != 0 && rc != -EEXIST {
                throw BerthError(SystemError("seccomp_arch_add(\(arch))", errno: -rc), while: "linux.seccomp.architectures[\(i)]")
            }
        }

        var usesNotify = false
        for (i, call) in (profile.syscalls ?? []).enumerated() {
            let field = "linux.seccomp.syscalls[\(i)]"
            let act = try action(call.action, errnoRet: call.errnoRet, field: "\(field).action", listener: profile.listenerPath)
            let conditions = try argConditions(call.args ?? [], field: field)
            if call.names.isEmpty { throw BerthError.invalidArgument("\(field).names: empty") }
            // libseccomp refuses a rule that repeats the default action; it would change nothing.
            if act == defaultAction { continue }
            if act == SeccompNames.notify { usesNotify = true }
            for name in call.names {
                let nr = seccomp_syscall_resolve_name(name)
                if nr < 0 { continue }  // __NR_SCMP_ERROR: unknown here, as runc skips it
                try addRules(ctx, action: act, syscall: nr, conditions: conditions, field: "\(field) (\(name))")
            }
        }
        if usesNotify { flags |= SeccompNames.newListenerFlag }
        return SeccompProgram(bpf: try export(ctx), flags: flags, needsListener: usesNotify)
    }

    /// An OCI action name → libseccomp's action value.
    static func action(_ name: String, errnoRet: UInt32?, field: String, listener: String?) throws -> UInt32 {
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return SeccompNames.killThread
        case "SCMP_ACT_KILL_PROCESS": return SeccompNames.killProcess
        case "SCMP_ACT_TRAP": return SeccompNames.trap
        case "SCMP_ACT_ALLOW": return SeccompNames.allow
        case "SCMP_ACT_LOG": return SeccompNames.log
        // runc answers EPERM when no errno is given, for ERRNO and TRACE alike.
        case "SCMP_ACT_ERRNO": return SeccompNames.errno | ((errnoRet ?? UInt32(EPERM)) & 0xffff)
        case "SCMP_ACT_TRACE": return SeccompNames.trace | ((errnoRet ?? UInt32(EPERM)) & 0xffff)
        case "SCMP_ACT_NOTIFY":
            guard let listener, !listener.isEmpty else {
                throw BerthError.invalidArgument("\(field): SCMP_ACT_NOTIFY is not supported without linux.seccomp.listenerPath")
            }
            return SeccompNames.notify
        default:
            throw BerthError.invalidArgument("\(field): unknown action \(name.debugDescription)")
        }
    }

    private static func argConditions(_ args: [RuntimeSpec.SyscallArg], field: String) throws -> [scmp_arg_cmp] {
        try args.enumerated().map { j, arg in
            guard arg.index < 6 else {
                throw BerthError.invalidArgument("\(field).args[\(j)].index: \(arg.index) is not a syscall argument (0...5)")
            }
            guard let op = SeccompNames.operators[arg.op] else {
                throw BerthError.invalidArgument("\(field).args[\(j)].op: unknown operator \(arg.op.debugDescription)")
            }
            return scmp_arg_cmp(arg: arg.index, op: scmp_compare(rawValue: op), datum_a: arg.value, datum_b: arg.valueTwo ?? 0)
        }
    }

    /// Conditions on distinct arguments make one rule (all must hold).
    /// Two on the same argument would make libseccomp fail, so — as runc —
    /// each then becomes a rule of its own (any may hold).
    private static func addRules(_ ctx: scmp_filter_ctx, action: UInt32, syscall: Int32, conditions: [scmp_arg_cmp], field: String) throws {
        let indices = conditions.map(\.arg)
        let groups: [[scmp_arg_cmp]] = Set(indices).count == indices.count ? [conditions] : conditions.map { [$0] }
        for group in groups {
            let rc = group.withUnsafeBufferPointer { buf in
                seccomp_rule_add_array(ctx, action, syscall, UInt32(buf.count), buf.baseAddress)
            }
            if rc != 0 {
                throw BerthError(SystemError("seccomp_rule_add", errno: -rc), while: field)
            }
        }
    }

    /// seccomp_export_bpf writes to an fd: an unlinked file in /dev/shm (or
    /// /tmp) takes any size without a second thread to drain a pipe.
    private static func export(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
        var fd: Int32 = -1
        for dir in ["/dev/shm", "/tmp"] {
            var template = Array("\(dir)/berth-seccomp-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                break
            }
        }
        if fd < 0 { throw BerthError(SystemError("mkstemp", path: "/dev/shm", errno: errno), while: "exporting the seccomp filter") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        if rc != 0 { throw BerthError(SystemError("seccomp_export_bpf", errno: -rc), while: "exporting the seccomp filter") }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw BerthError(SystemError("lseek", errno: errno), while: "exporting the seccomp filter")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw BerthError(SystemError("read", errno: n < 0 ? errno : EIO), while: "exporting the seccomp filter") }
            done += n
        }
        return bytes
    }
}
