/* A memfd that can be sealed, and its seals: the sealed copies of berth
 * (exe_seal.c), of the dmz (dmz.c) and of berth-monitor (MonitorImage,
 * through berth_memfd_sealed). */
#ifndef BERTH_SEALED_MEMFD_H
#define BERTH_SEALED_MEMFD_H

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif

/* A close-on-exec memfd that accepts seals, for an executable; -1 with
 * errno. MFD_EXEC (Linux 6.3) says outright that it will be executed, as
 * vm.memfd_noexec=1 asks; older kernels refuse the flag. */
static inline int berth_memfd_new(const char *name) {
    unsigned int flags = 0x0001U /* MFD_CLOEXEC */ | 0x0002U /* MFD_ALLOW_SEALING */;
    int fd = (int)syscall(SYS_memfd_create, name, flags | 0x0010U /* MFD_EXEC */);
    if (fd < 0 && errno == EINVAL) fd = (int)syscall(SYS_memfd_create, name, flags);
    return fd;
}

/* Seals `fd` against any change: 0, or -1 with errno (fd left open). */
static inline int berth_memfd_seal(int fd) {
    return fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
}

/* A sealed memfd holding `len` bytes from `bytes`; -1 with errno. */
static inline int berth_memfd_sealed_copy(const char *name, const void *bytes, size_t len) {
    int fd = berth_memfd_new(name);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)bytes + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int e = n < 0 ? errno : EIO; close(fd); errno = e; return -1; }
        done += (size_t)n;
    }
    if (berth_memfd_seal(fd) < 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

#endif
