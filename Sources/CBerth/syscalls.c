#define _GNU_SOURCE
#include "cberth.h"
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

int berth_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(__NR_close_range, first, last, flags);
}
