#define _GNU_SOURCE
#include "sealed_memfd.h"
#include "cberth.h"
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

int berth_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(__NR_close_range, first, last, flags);
}

int berth_memfd_sealed(const char *name, const void *bytes, size_t len) {
    return berth_memfd_sealed_copy(name, bytes, len);
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void berth_malloc_trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

#include <sys/prctl.h>

int berth_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int berth_set_dumpable(int on) {
    return prctl(PR_SET_DUMPABLE, on, 0, 0, 0);
}

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/vfs.h>

const int BERTH_O_PATH = O_PATH;

int berth_signalfd(const sigset_t *set) {
    return signalfd(-1, set, SFD_CLOEXEC);
}

int berth_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    return n == (ssize_t)sizeof info ? (int)info.ssi_signo : -1;
}

long berth_statfs_type(const char *path) {
    struct statfs st;
    if (statfs(path, &st) != 0) return -1;
    return (long)st.f_type;
}
