#ifndef CBERTH_CGROUP_H
#define CBERTH_CGROUP_H
/* bpf(2) wrappers for cgroup v2 device programs (BPF_PROG_TYPE_CGROUP_DEVICE),
 * the way runc's libcontainer/cgroups/ebpf loads and attaches its device
 * filter. Fixed arity so Swift can call them; each returns -1 with errno set. */

/* Loads `count` 8-byte eBPF instructions as a cgroup device program with the
 * given license; writes the verifier log to log_buf when it rejects it.
 * Returns the program fd (close-on-exec). */
int berth_bpf_load_device_program(const void *insns, unsigned int count, const char *license,
                                  char *log_buf, unsigned int log_size);

/* BPF_PROG_ATTACH / BPF_PROG_DETACH of a program to a cgroup directory fd
 * at BPF_CGROUP_DEVICE; flags for attach (BPF_F_ALLOW_MULTI = 2). */
int berth_bpf_attach_device_program(int cgroup_fd, int prog_fd, unsigned int flags);
int berth_bpf_detach_device_program(int cgroup_fd, int prog_fd);

/* BPF_PROG_QUERY at BPF_CGROUP_DEVICE: fills ids (capacity *count) and sets
 * *count to the number of programs attached. */
int berth_bpf_query_device_programs(int cgroup_fd, unsigned int *ids, unsigned int *count);

/* BPF_PROG_GET_FD_BY_ID. */
int berth_bpf_program_fd(unsigned int id);

#endif
