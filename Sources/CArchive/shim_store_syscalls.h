/* Fixed-arity wrappers BerthStore needs for system calls Swift cannot call
 * directly: glibc has no openat2() and syscall(2) is variadic. They live in
 * this module only because BerthStore does not depend on CBerth (which the
 * architecture gives openat2); move them there when CBerth exports them. */
#ifndef BERTH_STORE_SYSCALLS_H
#define BERTH_STORE_SYSCALLS_H

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* O_PATH hides behind _GNU_SOURCE in <fcntl.h>; same value on every
 * architecture berth targets (asm-generic and x86). */
#define BERTH_STORE_O_PATH 010000000

/* openat2(2); returns -1 with errno set (ENOSYS before Linux 5.6). */
static inline int berth_store_openat2(int dirfd, const char *path, unsigned long long flags,
                                      unsigned long long mode, unsigned long long resolve) {
    struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* unshare(CLONE_FS) for the calling thread only: gives it a private cwd so
 * a mount with relative lowerdirs can chdir without racing other threads. */
static inline int berth_store_unshare_fs(void) {
    return (int)syscall(SYS_unshare, 0x00000200 /* CLONE_FS */);
}

/* copy_file_range(2) of up to `length` bytes from `*in_offset` (advanced)
 * to the output file's position. */
static inline long berth_store_copy_file_range(int in, long long *in_offset, int out, unsigned long length) {
    return syscall(SYS_copy_file_range, in, in_offset, out, (void *)0, length, 0);
}

/* syncfs(2) is a GNU extension Swift's Glibc module does not declare. */
static inline int berth_store_syncfs(int fd) {
    return (int)syscall(SYS_syncfs, fd);
}

/* makedev/major/minor are macros in <sys/sysmacros.h>; Linux's encoding. */
static inline unsigned long long berth_store_makedev(unsigned int major, unsigned int minor) {
    return ((unsigned long long)(major & 0xfffff000u) << 32) | ((unsigned long long)(major & 0xfffu) << 8)
         | ((unsigned long long)(minor & 0xffffff00u) << 12) | (unsigned long long)(minor & 0xffu);
}
static inline unsigned int berth_store_major(unsigned long long dev) {
    return (unsigned int)(((dev >> 32) & 0xfffff000u) | ((dev >> 8) & 0xfffu));
}
static inline unsigned int berth_store_minor(unsigned long long dev) {
    return (unsigned int)(((dev >> 12) & 0xffffff00u) | (dev & 0xffu));
}

#endif
