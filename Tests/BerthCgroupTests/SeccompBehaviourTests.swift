import Foundation
import XCTest
@testable import BerthRuntime
import BerthOCI

/// Loads compiled profiles into a real process (a small C program built with
/// gcc for the test: no_new_privs, seccomp(SECCOMP_SET_MODE_FILTER), then the
/// system calls named on its command line) and checks what each action and
/// argument comparison does. Needs gcc, not root.
final class SeccompBehaviourTests: XCTestCase {
    static let source = #"""
    #define _GNU_SOURCE
    #include <errno.h>
    #include <linux/filter.h>
    #include <linux/seccomp.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/prctl.h>
    #include <sys/syscall.h>
    #include <unistd.h>
    static unsigned char buf[1 << 20];
    int main(int argc, char **argv) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) { perror("open"); return 2; }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("prctl"); return 2; }
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, strtoul(argv[2], 0, 0), &prog)) { perror("seccomp"); return 3; }
        for (int i = 3; i < argc; i++) {
            char *op = argv[i], *arg = strchr(op, ':');
            long a = 0, b = 0, r = -1;
            if (arg) { *arg++ = 0; a = strtol(arg, 0, 0); char *c = strchr(arg, ','); if (c) b = strtol(c + 1, 0, 0); }
            char cwd[256];
            errno = 0;
            if (!strcmp(op, "mkdir")) r = syscall(SYS_mkdir, arg, 0700);
            else if (!strcmp(op, "getcwd")) r = syscall(SYS_getcwd, cwd, sizeof cwd);
            else if (!strcmp(op, "dup")) r = syscall(SYS_dup, a);
            else if (!strcmp(op, "umask")) r = syscall(SYS_umask, a);
            else if (!strcmp(op, "getpriority")) r = syscall(SYS_getpriority, a, 0);
            else if (!strcmp(op, "lseek")) r = syscall(SYS_lseek, a, 0, b);
            else if (!strcmp(op, "getpgid")) r = syscall(SYS_getpgid, a);
            else if (!strcmp(op, "getuid")) r = syscall(SYS_getuid);
            else if (!strcmp(op, "getppid")) r = syscall(SYS_getppid);
            else if (!strcmp(op, "getsid")) r = syscall(SYS_getsid, 0);
            else if (!strcmp(op, "sched_yield")) r = syscall(SYS_sched_yield);
            printf("%s=%s%d\n", op, r < 0 ? "errno " : "ok ", r < 0 ? errno : 0);
            fflush(stdout);
        }
        return 0;
    }
    """#

    var dir = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "gcc is needed to build the seccomp test helper")
        dir = NSTemporaryDirectory() + "berth-seccomp-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.source.write(toFile: dir + "/helper.c", atomically: false, encoding: .utf8)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
        cc.arguments = ["-O1", "-o", dir + "/helper", dir + "/helper.c"]
        try cc.run()
        cc.waitUntilExit()
        XCTAssertEqual(cc.terminationStatus, 0, "gcc builds the helper")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs the helper under `profile`; returns its output and how it ended.
    func run(_ profile: RuntimeSpec.Seccomp, _ ops: [String]) throws -> (out: String, signal: Int32?) {
        let program = try SeccompCompiler.compile(profile)
        let bpf = dir + "/filter.bpf"
        try Data(program.bpf).write(to: URL(fileURLWithPath: bpf))
        let p = try TestProcess(dir + "/helper", [bpf, String(program.flags)] + ops)
        XCTAssertTrue(p.wait(seconds: 10))
        let out = p.output()
        if p.process.terminationReason == .uncaughtSignal { return (out, p.process.terminationStatus) }
        XCTAssertEqual(p.process.terminationStatus, 0, "helper failed: \(p.errors())")
        return (out, nil)
    }

    func profile() -> RuntimeSpec.Seccomp {
        RuntimeSpec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                            flags: ["SECCOMP_FILTER_FLAG_LOG"], syscalls: [
            .init(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13),
            .init(names: ["getcwd"], action: "SCMP_ACT_ERRNO"),
            .init(names: ["dup"], action: "SCMP_ACT_ERRNO", errnoRet: 33, args: [.init(index: 0, value: 50, op: "SCMP_CMP_GT")]),
            .init(names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 22,
                  args: [.init(index: 0, value: 0o077, valueTwo: 0o022, op: "SCMP_CMP_MASKED_EQ")]),
            // Two conditions on one argument: either matches (separate rules, as runc).
            .init(names: ["getpriority"], action: "SCMP_ACT_ERRNO", errnoRet: 34,
                  args: [.init(index: 0, value: 1, op: "SCMP_CMP_EQ"), .init(index: 0, value: 2, op: "SCMP_CMP_EQ")]),
            // Conditions on two arguments: both must hold.
            .init(names: ["lseek"], action: "SCMP_ACT_ERRNO", errnoRet: 7,
                  args: [.init(index: 0, value: 100, op: "SCMP_CMP_LT"), .init(index: 2, value: 3, op: "SCMP_CMP_GE")]),
            .init(names: ["getpgid"], action: "SCMP_ACT_ERRNO", errnoRet: 9, args: [.init(index: 0, value: 0, op: "SCMP_CMP_NE")]),
            .init(names: ["getuid"], action: "SCMP_ACT_LOG"),
            .init(names: ["getppid"], action: "SCMP_ACT_KILL_PROCESS"),
            .init(names: ["getsid"], action: "SCMP_ACT_KILL"),
            .init(names: ["sched_yield"], action: "SCMP_ACT_TRAP"),
            .init(names: ["not_a_syscall_here"], action: "SCMP_ACT_ERRNO"),
        ])
    }

    func testErrnoActionsAndArgumentComparisons() throws {
        let (out, signal) = try run(profile(), [
            "mkdir:\(dir)/made", "getcwd", "dup:0", "dup:99", "umask:0o022".replacingOccurrences(of: "0o", with: "0"),
            "umask:02", "umask:0722", "getpriority:0", "getpriority:1", "getpriority:2",
            "lseek:0,3", "lseek:0,1", "lseek:200,3", "getpgid:0", "getpgid:1", "getuid",
        ])
        XCTAssertNil(signal)
        XCTAssertEqual(out.split(separator: "\n").map(String.init), [
            "mkdir=errno 13", "getcwd=errno 1",             // errnoRet, and EPERM by default
            "dup=ok 0", "dup=errno 33",                     // GT 50
            "umask=errno 22", "umask=ok 0", "umask=errno 22", // (mode & 077) == 022
            "getpriority=ok 0", "getpriority=errno 34", "getpriority=errno 34",
            "lseek=errno 7", "lseek=errno 29", "lseek=errno 9", // fd < 100 AND whence >= 3; else the kernel's ESPIPE/EBADF
            "getpgid=ok 0", "getpgid=errno 9",              // NE 0
            "getuid=ok 0",                                  // LOG allows
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/made"))
    }

    func testKillAndTrapActionsEndTheProcessWithSIGSYS() throws {
        for op in ["getppid", "getsid", "sched_yield"] {
            let (out, signal) = try run(profile(), ["getcwd", op, "getcwd"])
            XCTAssertEqual(signal, SIGSYS, "\(op) ends the process by SIGSYS")
            XCTAssertEqual(out, "getcwd=errno 1\n", "nothing runs after \(op)")
        }
    }

    func testDefaultErrnoAndAllowList() throws {
        let (out, signal) = try run(.init(defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38, syscalls: [
            .init(names: ["read", "write", "exit", "exit_group", "fstat", "newfstatat", "brk", "mmap", "munmap",
                          "rt_sigreturn", "getuid"], action: "SCMP_ACT_ALLOW"),
        ]), ["getuid", "getcwd", "mkdir:\(dir)/x"])
        XCTAssertNil(signal)
        XCTAssertEqual(out, "getuid=ok 0\ngetcwd=errno 38\nmkdir=errno 38\n")
    }
}
