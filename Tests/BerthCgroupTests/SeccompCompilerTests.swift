import XCTest
@testable import BerthRuntime
import BerthOCI
import BerthSystem

/// Profile → BPF: errors name the field; valid profiles compile.
final class SeccompCompilerTests: XCTestCase {
    func compileError(_ profile: RuntimeSpec.Seccomp) -> String {
        do { _ = try SeccompCompiler.compile(profile); return "no error" } catch { return "\(error)" }
    }

    func testErrorsNameTheField() {
        let ok = RuntimeSpec.Syscall(names: ["getcwd"], action: "SCMP_ACT_ERRNO")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW",
                                          syscalls: [ok, ok, ok, .init(names: ["mkdir"], action: "SCMP_ACT_NOPE")])),
                       "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_NOPE\"")
        XCTAssertEqual(compileError(.init(defaultAction: "ALLOW")), "linux.seccomp.defaultAction: unknown action \"ALLOW\"")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"])),
                       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_NOPE"])),
                       "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            .init(names: ["dup"], action: "SCMP_ACT_ERRNO", args: [.init(index: 0, value: 1, op: "SCMP_CMP_ALMOST")])])),
                       "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            .init(names: ["dup"], action: "SCMP_ACT_ERRNO", args: [.init(index: 6, value: 1, op: "SCMP_CMP_EQ")])])),
                       "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument (0...5)")
        XCTAssertEqual(compileError(.init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["dup"], action: "SCMP_ACT_NOTIFY")])),
                       "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported without linux.seccomp.listenerPath")
    }

    func testEveryActionAndOperatorCompiles() throws {
        let ops = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"]
        let actions = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                       "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_LOG"]
        let names = ["dup", "dup2", "umask", "getpriority", "setpriority", "kill", "tkill"]
        var calls: [RuntimeSpec.Syscall] = []
        for (i, op) in ops.enumerated() {
            calls.append(.init(names: [names[i]], action: actions[i], errnoRet: 5,
                               args: [.init(index: 0, value: 7, valueTwo: op == "SCMP_CMP_MASKED_EQ" ? 3 : nil, op: op)]))
        }
        calls.append(.init(names: ["this_syscall_does_not_exist", "getcwd"], action: "SCMP_ACT_ERRNO"))
        let program = try SeccompCompiler.compile(.init(
            defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], syscalls: calls))
        XCTAssertEqual(program.bpf.count % 8, 0)
        XCTAssertGreaterThan(program.instructionCount, 20)
        XCTAssertEqual(program.flags, 1 | 2 | 4)
        XCTAssertFalse(program.needsListener)
    }

    func testNotifyWithListenerAsksForANewListener() throws {
        var profile = RuntimeSpec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")])
        profile.listenerPath = "/run/agent.sock"
        let program = try SeccompCompiler.compile(profile)
        XCTAssertTrue(program.needsListener)
        XCTAssertEqual(program.flags & 8, 8)
    }

    func testRulesRepeatingTheDefaultAreDropped() throws {
        let plain = try SeccompCompiler.compile(.init(defaultAction: "SCMP_ACT_ERRNO"))
        let redundant = try SeccompCompiler.compile(.init(defaultAction: "SCMP_ACT_ERRNO",
                                                          syscalls: [.init(names: ["mkdir"], action: "SCMP_ACT_ERRNO")]))
        XCTAssertEqual(plain, redundant)
    }
}
