#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BerthSystem
import CBerth

extension DeviceFilter {
    /// Loads `program` and attaches it to the cgroup2 directory `dir` with
    /// BPF_F_ALLOW_MULTI, then detaches the device programs that were there
    /// before — runc's ebpf.LoadAttachCgroupDeviceFilter: the new filter is in
    /// place before the old one goes, so there is no moment without one. The
    /// attachment keeps the program alive after its fd is closed, for as long
    /// as the cgroup exists.
    static func attach(_ program: [BPFInstruction], to dir: String) throws {
        let cgroupFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if cgroupFD < 0 { throw BerthError(SystemError("open", path: dir, errno: errno), while: "attaching the device filter") }
        defer { close(cgroupFD) }

        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        if berth_bpf_query_device_programs(cgroupFD, &ids, &count) != 0 { count = 0 }
        let old = Array(ids.prefix(Int(min(count, UInt32(ids.count)))))

        let bytes = program.flatMap { $0.bytes }
        var log = [CChar](repeating: 0, count: 64 * 1024)
        let progFD = bytes.withUnsafeBytes { raw in
            berth_bpf_load_device_program(raw.baseAddress, UInt32(program.count), license, &log, UInt32(log.count))
        }
        if progFD < 0 {
            let e = errno
            let verifier = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self).cgroupTrimmed
            let detail = verifier.isEmpty ? "" : " (verifier: \(verifier.split(separator: "\n").suffix(3).joined(separator: "; ")))"
            throw BerthError(SystemError("bpf(BPF_PROG_LOAD)\(detail)", path: dir, errno: e),
                             while: "loading the eBPF device filter")
        }
        defer { close(progFD) }
        let allowMulti: UInt32 = 1 << 1
        if berth_bpf_attach_device_program(cgroupFD, progFD, allowMulti) != 0 {
            throw BerthError(SystemError("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE)", path: dir, errno: errno),
                             while: "attaching the eBPF device filter")
        }
        for id in old {
            let fd = berth_bpf_program_fd(id)
            if fd < 0 { continue }
            let rc = berth_bpf_detach_device_program(cgroupFD, fd)
            let e = errno
            close(fd)
            if rc != 0 && e != ENOENT {
                throw BerthError(SystemError("bpf(BPF_PROG_DETACH) of the previous device filter", path: dir, errno: e),
                                 while: "replacing the eBPF device filter")
            }
        }
    }

    /// Ids of the device programs attached to a cgroup2 directory.
    static func attachedPrograms(_ dir: String) throws -> [UInt32] {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path: dir, errno: errno) }
        defer { close(fd) }
        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        if berth_bpf_query_device_programs(fd, &ids, &count) != 0 {
            throw SystemError("bpf(BPF_PROG_QUERY)", path: dir, errno: errno)
        }
        return Array(ids.prefix(Int(count)))
    }
}
