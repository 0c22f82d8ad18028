#define _GNU_SOURCE
#include "cberth_net.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

/* One job for a namespace thread: the thread switches namespace, does one
 * thing, stores the result and errno, and exits (never switching back: a
 * thread that ends takes its namespace membership with it). */
struct netns_job {
    int kind;           /* 0 create, 1 socket, 2 sysctl */
    const char *path;
    const char *value;
    int nsfd, domain, type, protocol;
    int result, error;
};

static void *netns_thread(void *arg) {
    struct netns_job *job = arg;
    job->result = -1;
    if (job->kind == 0) {
        if (unshare(CLONE_NEWNET) != 0) { job->error = errno; return NULL; }
        /* ip netns add binds /proc/self/ns/net; in a thread "self" is the
         * thread group leader, so name this thread explicitly. */
        if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) != 0) {
            job->error = errno; return NULL;
        }
        job->result = 0;
        return NULL;
    }
    if (setns(job->nsfd, CLONE_NEWNET) != 0) { job->error = errno; return NULL; }
    if (job->kind == 1) {
        job->result = socket(job->domain, job->type | SOCK_CLOEXEC, job->protocol);
        if (job->result < 0) job->error = errno;
        return NULL;
    }
    char full[512];
    if (snprintf(full, sizeof full, "/proc/sys/%s", job->path) >= (int)sizeof full) {
        job->error = ENAMETOOLONG; return NULL;
    }
    int fd = open(full, O_WRONLY | O_CLOEXEC);
    if (fd < 0) { job->error = errno; return NULL; }
    size_t len = strlen(job->value);
    ssize_t n = write(fd, job->value, len);
    if (n != (ssize_t)len) job->error = n < 0 ? errno : EIO;
    else job->result = 0;
    close(fd);
    return NULL;
}

static int run_job(struct netns_job *job) {
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, netns_thread, job);
    if (rc != 0) { errno = rc; return -1; }
    pthread_join(thread, NULL);
    if (job->result < 0) errno = job->error;
    return job->result;
}

int berth_netns_create(const char *path) {
    struct netns_job job = { .kind = 0, .path = path };
    return run_job(&job);
}

int berth_netns_socket(int nsfd, int domain, int type, int protocol) {
    struct netns_job job = { .kind = 1, .nsfd = nsfd, .domain = domain, .type = type, .protocol = protocol };
    return run_job(&job);
}

int berth_netns_write_sysctl(int nsfd, const char *path, const char *value) {
    struct netns_job job = { .kind = 2, .nsfd = nsfd, .path = path, .value = value };
    return run_job(&job);
}
