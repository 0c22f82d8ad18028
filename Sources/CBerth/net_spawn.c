#define _GNU_SOURCE
#include "cberth_net.h"
#include <fcntl.h>
#include <unistd.h>

int berth_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
