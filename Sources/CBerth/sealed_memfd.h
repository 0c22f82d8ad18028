/* A memfd that can be sealed, and its seals: the sealed copies of berth
 * (exe_seal.c) and of the dmz (dmz.c). Private to CBerth. */
#ifndef BERTH_SEALED_MEMFD_H
#define BERTH_SEALED_MEMFD_H

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

/* A close-on-exec memfd that accepts seals; -1 with errno. */
static inline int berth_memfd_new(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 0x0001U /* MFD_CLOEXEC */ | 0x0002U /* MFD_ALLOW_SEALING */);
}

/* Seals `fd` against any change: 0, or -1 with errno (fd left open). */
static inline int berth_memfd_seal(int fd) {
    return fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
}

#endif
