#ifndef CBERTH_H
#define CBERTH_H
/* berth's C layer: the fork→exec child path and fixed-arity wrappers over
 * system calls that Swift cannot call directly (variadic, or missing from
 * glibc's headers). No logic lives here and nothing allocates after fork. */

#include <sys/types.h>
#include "cberth_cgroup.h"
#include "cberth_net.h"
#include "cberth_init.h"

/* close_range(2); returns -1 with errno set (ENOSYS on kernels before 5.9). */
int berth_close_range(unsigned int first, unsigned int last, unsigned int flags);

/* malloc_trim(0) (glibc; a no-op elsewhere): free heap pages back to the system. */
void berth_malloc_trim(void);

/* prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of `run`/`exec` reparent here. */
int berth_set_child_subreaper(void);
/* prctl(PR_SET_DUMPABLE, on) (prctl is variadic: Swift cannot call it). */
int berth_set_dumpable(int on);

#include <signal.h>
/* O_PATH, which Swift's Glibc module does not export (it needs _GNU_SOURCE). */
extern const int BERTH_O_PATH;
/* signalfd(-1, set, SFD_CLOEXEC) and one read of it: the signal number or -1. */
int berth_signalfd(const sigset_t *set);
int berth_signalfd_read(int fd);
/* statfs(path).f_type, or -1 with errno. */
long berth_statfs_type(const char *path);
/* A close-on-exec memfd holding bytes[0..<len], sealed against any change,
 * to be executed (sealed_memfd.h: the dmz's and berth's sealed copies); -1
 * with errno. */
int berth_memfd_sealed(const char *name, const void *bytes, size_t len);

#endif
