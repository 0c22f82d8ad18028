#define _GNU_SOURCE
#include "cberth_cgroup.h"
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int berth_bpf_load_device_program(const void *insns, unsigned int count, const char *license,
                                  char *log_buf, unsigned int log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (__u64)(unsigned long)insns;
    attr.insn_cnt = count;
    attr.license = (__u64)(unsigned long)license;
    attr.prog_flags = 0;
    if (log_buf != NULL && log_size > 0) {
        log_buf[0] = 0;
        attr.log_buf = (__u64)(unsigned long)log_buf;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    int fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0 && log_buf != NULL && log_size > 0) {
        /* Retry without a log: a too-small log buffer fails with ENOSPC
         * even when the program itself is fine. */
        attr.log_buf = 0; attr.log_size = 0; attr.log_level = 0;
        int again = sys_bpf(BPF_PROG_LOAD, &attr);
        if (again >= 0) return again;
    }
    return fd;
}

int berth_bpf_attach_device_program(int cgroup_fd, int prog_fd, unsigned int flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)cgroup_fd;
    attr.attach_bpf_fd = (__u32)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = flags;
    return sys_bpf(BPF_PROG_ATTACH, &attr);
}

int berth_bpf_detach_device_program(int cgroup_fd, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)cgroup_fd;
    attr.attach_bpf_fd = (__u32)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_DETACH, &attr);
}

int berth_bpf_query_device_programs(int cgroup_fd, unsigned int *ids, unsigned int *count) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (__u32)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (__u64)(unsigned long)ids;
    attr.query.prog_cnt = *count;
    int rc = sys_bpf(BPF_PROG_QUERY, &attr);
    if (rc == 0) *count = attr.query.prog_cnt;
    return rc;
}

int berth_bpf_program_fd(unsigned int id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
