#ifndef CBERTH_H
#define CBERTH_H
/* berth's C layer: the fork→exec child path and fixed-arity wrappers over
 * system calls that Swift cannot call directly (variadic, or missing from
 * glibc's headers). No logic lives here and nothing allocates after fork. */

#include <sys/types.h>
#include "cberth_cgroup.h"
#include "cberth_net.h"

/* close_range(2); returns -1 with errno set (ENOSYS on kernels before 5.9). */
int berth_close_range(unsigned int first, unsigned int last, unsigned int flags);

#endif
