/* The container's child path (see cberth_init.h): an intermediate process
 * joins the namespaces that only affect children, clones the child into the
 * new namespaces, and the child carries out the plan BerthRuntime made.
 * Between fork and execve only async-signal-safe calls are made and nothing
 * is allocated: every string and array was prepared by the parent. */
#define _GNU_SOURCE
#include "cberth_init.h"
#include "cberth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The child's working state. */
struct child {
    int sync;
    int root;                 /* root for "in root" paths; -1 = the process root */
    char state[65536];        /* hook state (the OCI state JSON) from the last SYNC */
    size_t state_len;
    char exe[4096];           /* argv[0] resolved by LOOKUP */
    int console_slave;
    int dmz;                  /* the dmz's sealed memfd (dmz.c), or -1 */
};

/* The process's argv with two slots in front for the dmz (made before the
 * fork, so the child allocates nothing). */
static const char **dmz_argv;

static int write_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        p += n; len -= (size_t)n;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        if (n == 0) { errno = EPIPE; return -1; }
        p += n; len -= (size_t)n;
    }
    return 0;
}

#ifndef SYS_clone3
#define BERTH_SYS_clone3 435
#else
#define BERTH_SYS_clone3 SYS_clone3
#endif
#define BERTH_CLONE_INTO_CGROUP 0x200000000ULL

/* clone3's argument (linux/sched.h's struct clone_args, whose header clashes
 * with glibc's sched.h). */
struct berth_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Formats "<tag> <a> <b> <detail>\n" without stdio's locks (snprintf is
 * async-signal-safe in glibc for these conversions). */
static void report(int fd, char tag, long a, long b, const char *detail) {
    char line[600];
    int n = snprintf(line, sizeof line, "%c %ld %ld %s\n", tag, a, b, detail ? detail : "");
    if (n > (int)sizeof line - 1) { n = sizeof line - 1; line[n - 1] = '\n'; }
    if (n > 0) (void)write_all(fd, line, (size_t)n);
}

static __attribute__((noreturn)) void fail(struct child *c, int index, int err, const char *detail) {
    report(c->sync, 'E', index, err, detail);
    _exit(127);
}

/* Executes `exe` through the dmz when there is one: argv becomes
 * [report fd as one byte, exe, argv…] in `slots`, which has two free
 * entries before argv's copy. If the program's exec fails the dmz writes
 * "E -1 <errno>" on `report` and exits 127. Returns (with errno) only when
 * neither the dmz nor, where a seccomp profile refuses execveat, its path in
 * /proc could be executed; without a dmz it is a plain execve. */
static void exec_program(struct child *c, const char *exe, const char **slots, const char *const *argv,
                         const char *const *envp, int report) {
    if (c->dmz >= 0 && slots && report > 0 && report < 256) {
        char fdbyte[2] = { (char)report, 0 };
        slots[0] = fdbyte;
        slots[1] = exe;
        int flags = fcntl(report, F_GETFD);
        if (flags >= 0 && fcntl(report, F_SETFD, flags & ~FD_CLOEXEC) == 0) {
            syscall(SYS_execveat, c->dmz, "", slots, envp, AT_EMPTY_PATH);
            if (errno == EPERM || errno == ENOSYS || errno == EACCES) {
                char path[64];
                snprintf(path, sizeof path, "/proc/self/fd/%d", c->dmz);
                execve(path, (char *const *)slots, (char *const *)envp);
            }
            int e = errno;
            fcntl(report, F_SETFD, flags);
            errno = e;
            return;
        }
    }
    execve(exe, (char *const *)argv, (char *const *)envp);
}

static int openat2_in(int dirfd, const char *path, int flags, int resolve) {
    struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .mode = 0, .resolve = (unsigned long long)resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Opens `path` (absolute or relative) inside the child's root: every
 * component, ".." and symlink resolved as if the root were "/", so a symlink
 * planted in the rootfs cannot point a mount outside it (runc's securejoin,
 * crun's openat2 use). With `make` the missing components are created, the
 * last one as a directory or an empty file. Returns an O_PATH fd. */
static int open_in_root(struct child *c, const char *path, int make) {
    int base = c->root >= 0 ? c->root : AT_FDCWD;
    const char *rel = path;
    while (*rel == '/') rel++;
    if (c->root < 0) { base = AT_FDCWD; rel = path; }
    if (*rel == 0) return c->root >= 0 ? openat2_in(c->root, ".", O_PATH, 0) : open("/", O_PATH | O_CLOEXEC);
    int resolve = c->root >= 0 ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS : RESOLVE_NO_MAGICLINKS;
    int fd = openat2_in(base, rel, O_PATH, resolve);
    if (fd >= 0 || errno != ENOENT || !(make & (BERTH_MK_DIR | BERTH_MK_FILE))) return fd;

    /* Walk the components, creating what is missing, each one opened from
     * its parent's fd so nothing can be swapped in between. */
    int dir = c->root >= 0 ? openat2_in(c->root, ".", O_PATH, 0) : open("/", O_PATH | O_CLOEXEC);
    if (dir < 0) return -1;
    char comp[256];
    const char *p = rel;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != '/') end++;
        size_t len = (size_t)(end - p);
        if (len >= sizeof comp) { close(dir); errno = ENAMETOOLONG; return -1; }
        memcpy(comp, p, len); comp[len] = 0;
        const char *rest = end;
        while (*rest == '/') rest++;
        int last = *rest == 0;
        int next = openat2_in(dir, comp, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (next < 0 && errno == ENOENT) {
            int rc;
            if (last && (make & BERTH_MK_FILE)) {
                rc = openat(dir, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (rc >= 0) { close(rc); rc = 0; }
            } else {
                rc = mkdirat(dir, comp, 0755);
            }
            if (rc < 0 && errno != EEXIST) { close(dir); return -1; }
            next = openat2_in(dir, comp, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        }
        close(dir);
        if (next < 0) return -1;
        dir = next;
        p = end;
    }
    return dir;
}

static void fd_path(char *buf, size_t size, int fd) {
    snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* The flags of the mount at `fd` that a remount must keep (a user namespace
 * cannot clear them, and clearing them would surprise the owner). */
static unsigned long locked_flags(int fd) {
    struct statvfs st;
    if (fstatvfs(fd, &st) != 0) return 0;
    unsigned long f = 0;
    if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) f |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

static int op_target(struct child *c, const struct berth_op *op, char *buf, size_t size, int *fd) {
    *fd = -1;
    if (op->n & BERTH_OUTSIDE_ROOT) { snprintf(buf, size, "%s", op->b); return 0; }
    *fd = open_in_root(c, op->b, (int)op->n);
    if (*fd < 0) return -1;
    fd_path(buf, size, *fd);
    return 0;
}

static int do_mount(struct child *c, const struct berth_op *op) {
    char target[64 + 4096];
    int fd;
    if (op_target(c, op, target, sizeof target, &fd) < 0) return -1;
    int rc = mount(op->a, target, op->c, op->flags, op->d);
    /* A bind mount ignores every flag but MS_REC; ro, nosuid and the like
     * need a remount of the new mount (mount(8) does the same). */
    if (rc == 0 && (op->flags & MS_BIND) && (op->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_SILENT))) {
        int nfd = op->n & BERTH_OUTSIDE_ROOT ? open(op->b, O_PATH | O_CLOEXEC) : open_in_root(c, op->b, 0);
        if (nfd < 0) rc = -1;
        else {
            char again[64];
            fd_path(again, sizeof again, nfd);
            unsigned long keep = locked_flags(nfd);
            unsigned long flags = (op->flags & ~(unsigned long)MS_REC) | MS_REMOUNT | MS_BIND | keep;
            flags &= ~(unsigned long)(MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
            rc = mount(NULL, again, NULL, flags, NULL);
            int e = errno; close(nfd); errno = e;
        }
    }
    int e = errno;
    if (fd >= 0) close(fd);
    errno = e;
    return rc;
}

static int do_remount_bind(struct child *c, const struct berth_op *op) {
    int fd = open_in_root(c, op->b, 0);
    if (fd < 0) return -1;
    char target[64];
    fd_path(target, sizeof target, fd);
    int rc = mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | op->flags | locked_flags(fd), NULL);
    int e = errno; close(fd); errno = e;
    return rc;
}

static int do_mknod(struct child *c, const struct berth_op *op) {
    /* Create in the parent directory by name: mknodat on a fd path does not work. */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", op->b);
    char *slash = strrchr(parent, '/');
    const char *name = op->b;
    if (slash) { *slash = 0; name = slash + 1; } else { parent[0] = 0; }
    struct berth_op mk = { .b = parent[0] ? parent : "/", .n = BERTH_MK_DIR };
    int dir = open_in_root(c, mk.b, BERTH_MK_DIR);
    if (dir < 0) return -1;
    char dirpath[64];
    fd_path(dirpath, sizeof dirpath, dir);
    int dfd = open(dirpath, O_DIRECTORY | O_CLOEXEC);
    close(dir);
    if (dfd < 0) return -1;
    unlinkat(dfd, name, 0);
    int rc = mknodat(dfd, name, (mode_t)op->n, (dev_t)op->flags);
    if (rc == 0) rc = fchownat(dfd, name, (uid_t)op->n2, (gid_t)op->n3, AT_SYMLINK_NOFOLLOW);
    /* mknod is subject to the umask; the mode asked for is the mode meant. */
    if (rc == 0) rc = fchmodat(dfd, name, (mode_t)op->n & 07777, 0);
    int e = errno; close(dfd); errno = e;
    return rc;
}

static int do_symlink(struct child *c, const struct berth_op *op) {
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", op->b);
    char *slash = strrchr(parent, '/');
    const char *name = op->b;
    if (slash) { *slash = 0; name = slash + 1; } else { parent[0] = 0; }
    int dir = open_in_root(c, parent[0] ? parent : "/", BERTH_MK_DIR);
    if (dir < 0) return -1;
    char dirpath[64];
    fd_path(dirpath, sizeof dirpath, dir);
    int dfd = open(dirpath, O_DIRECTORY | O_CLOEXEC);
    close(dir);
    if (dfd < 0) return -1;
    int rc = symlinkat(op->a, dfd, name);
    if (rc < 0 && errno == EEXIST) rc = 0;
    int e = errno; close(dfd); errno = e;
    return rc;
}

/* runc's pivotRoot: pivot_root(".", ".") stacks the old root on top of the
 * new one, and a lazy unmount removes it, with no temporary directory. */
static int do_pivot(struct child *c, const struct berth_op *op) {
    if (fchdir(c->root) < 0) return -1;
    if (op->n == 0) {
        if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
        /* The old root must not propagate its unmount back to the host. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return -1;
        if (umount2(".", MNT_DETACH) < 0) return -1;
    } else {
        /* rootfs on ramfs/initramfs cannot be pivoted: move it over / and
         * chroot (runc's msMoveRoot). */
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return -1;
        if (chroot(".") < 0) return -1;
    }
    if (chdir("/") < 0) return -1;
    close(c->root);
    c->root = -1;
    return 0;
}

static int do_write_file(const struct berth_op *op) {
    int fd = open(op->a, O_WRONLY | O_CLOEXEC | O_TRUNC);
    if (fd < 0) return -1;
    size_t len = strlen(op->d);
    int rc = write_all(fd, op->d, len);
    int e = errno; close(fd); errno = e;
    return rc;
}

static int do_mask(struct child *c, const struct berth_op *op) {
    int fd = open_in_root(c, op->b, 0);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    struct stat st;
    int rc = fstat(fd, &st);
    char target[64];
    fd_path(target, sizeof target, fd);
    if (rc == 0) {
        /* runc's maskPath: /dev/null over files, an empty read-only tmpfs over directories. */
        if (S_ISDIR(st.st_mode)) rc = mount("tmpfs", target, "tmpfs", MS_RDONLY, NULL);
        else rc = mount("/dev/null", target, NULL, MS_BIND, NULL);
    }
    int e = errno; close(fd); errno = e;
    return rc;
}

static int do_readonly(struct child *c, const struct berth_op *op) {
    int fd = open_in_root(c, op->b, 0);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    char target[64];
    fd_path(target, sizeof target, fd);
    int rc = mount(target, target, NULL, MS_BIND | MS_REC, NULL);
    close(fd);
    if (rc < 0) return -1;
    fd = open_in_root(c, op->b, 0);
    if (fd < 0) return -1;
    fd_path(target, sizeof target, fd);
    rc = mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(fd), NULL);
    int e = errno; close(fd); errno = e;
    return rc;
}

static int do_sync(struct child *c, const struct berth_op *op) {
    report(c->sync, 'S', op->n, 0, "");
    uint32_t len;
    if (read_full(c->sync, &len, sizeof len) < 0) return -1;
    if (len >= sizeof c->state) { errno = E2BIG; return -1; }
    if (read_full(c->sync, c->state, len) < 0) return -1;
    c->state[len] = 0;
    c->state_len = len;
    return 0;
}

/* A hook in the container's namespaces (createContainer, startContainer):
 * the state on stdin, killed after its timeout. */
static int do_hook(struct child *c, const struct berth_op *op, int *status) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[0], 0);
        const char *slots[66];
        size_t n = 0;
        while (op->argv[n] && n < 63) { slots[n + 2] = op->argv[n]; n++; }
        slots[n + 2] = NULL;
        exec_program(c, op->a, op->argv[n] ? NULL : slots, op->argv, op->envp, fds[1]);
        _exit(127);
    }
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    (void)write_all(fds[1], c->state, c->state_len);
    close(fds[1]);
    long waited_ms = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, op->n > 0 ? WNOHANG : 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return -1;
        if (op->n > 0 && waited_ms >= op->n * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            errno = ETIMEDOUT;
            return -1;
        }
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        waited_ms++;
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) { errno = ECHILD; return -1; }
    return 0;
}

static int do_console(struct child *c, const struct berth_op *op) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) return -1;
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return -1;
    if (op->n2 > 0 && op->n3 > 0) {
        struct winsize ws = { .ws_row = (unsigned short)op->n2, .ws_col = (unsigned short)op->n3 };
        ioctl(slave, TIOCSWINSZ, &ws);
    }
    /* /dev/console is the pty, as runc's mountConsole does (not for exec). */
    int cons = -1;
    if (op->flags & 1) cons = open("/dev/console", O_PATH | O_CLOEXEC);
    if (op->flags & 1) {
    if (cons < 0 && errno == ENOENT) {
        int f = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (f >= 0) close(f);
        cons = open("/dev/console", O_PATH | O_CLOEXEC);
    }
    if (cons >= 0) {
        char slave_path[64], cons_path[64];
        fd_path(slave_path, sizeof slave_path, slave);
        fd_path(cons_path, sizeof cons_path, cons);
        if (mount(slave_path, cons_path, NULL, MS_BIND, NULL) < 0) return -1;
        close(cons);
    }
    }
    if (berth_send_fd((int)op->n, master) < 0) return -1;
    close(master);
    close((int)op->n);
    if (setsid() < 0 && errno != EPERM) return -1;
    if (ioctl(slave, TIOCSCTTY, 0) < 0) return -1;
    for (int i = 0; i < 3; i++) if (dup3(slave, i, 0) < 0) return -1;
    if (slave > 2) close(slave);
    c->console_slave = 0;
    return 0;
}

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/* runc's finalizeNamespace: bounding set, then groups and ids with the
 * capabilities kept across setuid, then the three sets, then ambient. */
static int do_identity(const struct berth_identity *id, int *step) {
    *step = 0;
    for (int cap = 0; cap <= id->last_cap; cap++) {
        if (cap < 64 && (id->bounding & (1ULL << cap))) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    }
    *step = 1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return -1;
    *step = 2;
    if (id->set_groups && setgroups(id->ngroups, (const gid_t *)id->groups) < 0) return -1;
    *step = 3;
    if (setresgid(id->gid, id->gid, id->gid) < 0) return -1;
    *step = 4;
    if (setresuid(id->uid, id->uid, id->uid) < 0) return -1;
    *step = 5;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return -1;
    struct cap_header hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct cap_data data[2] = {
        { (uint32_t)id->effective, (uint32_t)id->permitted, (uint32_t)id->inheritable },
        { (uint32_t)(id->effective >> 32), (uint32_t)(id->permitted >> 32), (uint32_t)(id->inheritable >> 32) },
    };
    *step = 6;
    if (syscall(SYS_capset, &hdr, data) < 0) return -1;
    *step = 7;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    for (int cap = 0; cap <= id->last_cap && cap < 64; cap++) {
        if (!(id->ambient & (1ULL << cap))) continue;
        /* Best effort, as runc: raising needs the capability in both the
         * permitted and the inheritable set. */
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    }
    return 0;
}

/* execvpe's search, done before the exec fifo so that `create` fails on a
 * missing binary, as runc's does. */
static int do_lookup(struct child *c, const struct berth_op *op) {
    const char *file = op->a;
    if (strchr(file, '/')) {
        if (access(file, X_OK) < 0) return -1;
        snprintf(c->exe, sizeof c->exe, "%s", file);
        return 0;
    }
    const char *path = op->d && *op->d ? op->d : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int err = ENOENT;
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        snprintf(c->exe, sizeof c->exe, "%.*s%s%s", (int)len, path, len ? "/" : "", file);
        struct stat st;
        if (stat(c->exe, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(c->exe, X_OK) == 0) return 0;
            err = EACCES;
        }
        if (!end) break;
        path = end + 1;
    }
    c->exe[0] = 0;
    errno = err;
    return -1;
}

static int do_exec_fifo(const struct berth_op *op) {
    char path[64];
    fd_path(path, sizeof path, (int)op->n);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = write_all(fd, "0", 1);
    int e = errno;
    close(fd);
    close((int)op->n);
    errno = e;
    return rc;
}


/* `--init`: pid 1 forks, the child execs the process, and pid 1 stays a
 * tiny init (as tini, docker's docker-init): every signal but SIGCHLD is
 * forwarded to the child, zombies are reaped, and when the child ends pid 1
 * exits with its code (128 + signal when it was killed). An exec failure in
 * the child is reported on the sync socket like any other. */
static void run_init(struct child *c, const struct berth_spawn *s, const char *exe) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t child = fork();
    if (child < 0) fail(c, s->nops, errno, "fork for --init");
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        exec_program(c, exe, dmz_argv, s->argv, s->envp, c->sync);
        fail(c, s->nops, errno, exe);
    }
    /* The runtime's read of the sync socket ends when the child's exec closes its copy. */
    close(s->sync_fd);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        for (;;) {
            int status;
            pid_t done = waitpid(-1, &status, WNOHANG);
            if (done <= 0) break;
            if (done == child) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

static __attribute__((noreturn)) void child_main(const struct berth_spawn *s) {
    struct child c = { .sync = s->sync_fd, .root = -1, .console_slave = -1, .dmz = -1 };
    /* The runtime blocks signals it forwards; the container starts with none
     * blocked and SIGPIPE at its default, as a shell would give it. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (s->use_dmz && (c.dmz = berth_dmz_create()) < 0) fail(&c, s->nops, errno, "the dmz");
    if (s->wait_go) {
        char go;
        if (read_full(c.sync, &go, 1) < 0 || go != 'G') _exit(126);
    }
    for (int i = 0; i < s->nops; i++) {
        const struct berth_op *op = &s->ops[i];
        int rc = 0, step = 0, status = 0;
        switch (op->kind) {
        case BERTH_OP_MOUNT: rc = do_mount(&c, op); break;
        case BERTH_OP_REMOUNT_BIND: rc = do_remount_bind(&c, op); break;
        case BERTH_OP_PROPAGATION: {
            char target[64 + 4096]; int fd;
            rc = op_target(&c, op, target, sizeof target, &fd);
            if (rc == 0) rc = mount(NULL, target, NULL, op->flags, NULL);
            int e = errno; if (fd >= 0) close(fd); errno = e;
            break;
        }
        case BERTH_OP_OPEN_ROOT:
            if (c.root >= 0) close(c.root);
            c.root = open(op->a, O_PATH | O_DIRECTORY | O_CLOEXEC);
            rc = c.root < 0 ? -1 : 0;
            break;
        case BERTH_OP_MKDIR: {
            int fd = open_in_root(&c, op->b, BERTH_MK_DIR);
            rc = fd < 0 ? -1 : 0;
            if (fd >= 0) close(fd);
            break;
        }
        case BERTH_OP_MKNOD: rc = do_mknod(&c, op); break;
        case BERTH_OP_SYMLINK: rc = do_symlink(&c, op); break;
        case BERTH_OP_PIVOT_ROOT: rc = do_pivot(&c, op); break;
        case BERTH_OP_SETHOSTNAME: rc = sethostname(op->a, strlen(op->a)); break;
        case BERTH_OP_SETDOMAINNAME: rc = setdomainname(op->a, strlen(op->a)); break;
        case BERTH_OP_WRITE_FILE: rc = do_write_file(op); break;
        case BERTH_OP_MASK: rc = do_mask(&c, op); break;
        case BERTH_OP_READONLY: rc = do_readonly(&c, op); break;
        case BERTH_OP_SYNC: rc = do_sync(&c, op); break;
        case BERTH_OP_HOOK:
            rc = do_hook(&c, op, &status);
            if (rc < 0) {
                char detail[32];
                snprintf(detail, sizeof detail, "status=%d", status);
                fail(&c, i, errno, detail);
            }
            break;
        case BERTH_OP_RLIMIT: {
            struct rlimit rl = { (rlim_t)op->n2, (rlim_t)op->n3 };
            rc = setrlimit((int)op->n, &rl);
            break;
        }
        case BERTH_OP_CONSOLE: rc = do_console(&c, op); break;
        case BERTH_OP_SETSID: rc = setsid() < 0 && errno != EPERM ? -1 : 0; break;
        case BERTH_OP_NO_NEW_PRIVS: rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); break;
        case BERTH_OP_SECCOMP: {
            struct sock_fprog prog = { .len = (unsigned short)(op->len / sizeof(struct sock_filter)),
                                       .filter = (struct sock_filter *)op->data };
            rc = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)op->n, &prog);
            if (rc > 0) { close(rc); rc = 0; }
            break;
        }
        case BERTH_OP_IDENTITY:
            rc = do_identity((const struct berth_identity *)op->data, &step);
            if (rc < 0) {
                static const char *steps[] = { "capability bounding set", "keepcaps", "setgroups", "setresgid",
                                               "setresuid", "keepcaps", "capset", "ambient capabilities" };
                fail(&c, i, errno, steps[step]);
            }
            break;
        case BERTH_OP_UMASK: umask((mode_t)op->n); break;
        case BERTH_OP_CHDIR: rc = chdir(op->a); break;
        case BERTH_OP_LOOKUP: rc = do_lookup(&c, op); break;
        case BERTH_OP_EXEC_FIFO: rc = do_exec_fifo(op); break;
        case BERTH_OP_READY: report(c.sync, 'R', 0, 0, ""); break;
        case BERTH_OP_SETNS: rc = setns((int)op->n, (int)op->n2); if (rc == 0) close((int)op->n); break;
        case BERTH_OP_PDEATHSIG: rc = prctl(PR_SET_PDEATHSIG, op->n, 0, 0, 0); break;
        case BERTH_OP_DUMPABLE: rc = prctl(PR_SET_DUMPABLE, op->n, 0, 0, 0); break;
        case BERTH_OP_BECOME_ROOT:
            rc = setresgid(0, 0, 0);
            if (rc == 0) rc = setresuid(0, 0, 0);
            break;
        case BERTH_OP_UNSHARE: rc = unshare((int)op->n); break;
        case BERTH_OP_CGROUP_JOIN:
            rc = write((int)op->n, "0", 1) == 1 ? 0 : -1;
            if (rc == 0) close((int)op->n);
            break;
        case BERTH_OP_PERSONALITY: rc = personality((unsigned long)op->n) < 0 ? -1 : 0; break;
        default: errno = EINVAL; rc = -1; break;
        }
        if (rc < 0) {
            if ((op->n & BERTH_OPTIONAL) && errno == ENOENT &&
                (op->kind == BERTH_OP_MOUNT || op->kind == BERTH_OP_SYMLINK)) continue;
            fail(&c, i, errno, "");
        }
    }
    /* The sync socket closes on exec: the parent's read of it ends there. */
    const char *exe = c.exe[0] ? c.exe : s->argv[0];
    if (s->init_mode) run_init(&c, s, exe);
    exec_program(&c, exe, dmz_argv, s->argv, s->envp, c.sync);
    fail(&c, s->nops, errno, exe);
}

/* Closes every fd but stdio, the preserved ones and those the plan uses, so
 * the container's init holds nothing of its caller's (a socket a process
 * supervisor watches for EOF, a log pipe…) while it waits for `start`. */
static void close_inherited(const struct berth_spawn *s) {
    int keep[64];
    int nk = 0;
    keep[nk++] = s->sync_fd;
    for (int i = 0; i < s->nops && nk < 64; i++) {
        int k = s->ops[i].kind;
        if (k == BERTH_OP_SETNS || k == BERTH_OP_EXEC_FIFO || k == BERTH_OP_CONSOLE || k == BERTH_OP_CGROUP_JOIN)
            keep[nk++] = (int)s->ops[i].n;
    }
    if (s->cgroup_fd >= 0 && nk < 64) keep[nk++] = s->cgroup_fd;
    for (int i = 1; i < nk; i++) {
        int v = keep[i], j = i - 1;
        while (j >= 0 && keep[j] > v) { keep[j + 1] = keep[j]; j--; }
        keep[j + 1] = v;
    }
    unsigned int from = 3u + (unsigned int)(s->preserve_fds > 0 ? s->preserve_fds : 0);
    for (int i = 0; i < nk; i++) {
        if (keep[i] < 0 || (unsigned int)keep[i] < from) continue;
        if ((unsigned int)keep[i] > from) berth_close_range(from, (unsigned int)keep[i] - 1, 0);
        from = (unsigned int)keep[i] + 1;
    }
    if (berth_close_range(from, ~0u, 0) < 0) {
        for (unsigned int fd = from; fd < 4096; fd++) close((int)fd);
    }
}

/* The dmz's argv slots for the child, allocated before the fork/clone. */
static int prepare_dmz_argv(const struct berth_spawn *s) {
    dmz_argv = NULL;
    if (!s->use_dmz) return 0;
    size_t n = 0;
    while (s->argv[n]) n++;
    dmz_argv = calloc(n + 3, sizeof *dmz_argv);
    if (!dmz_argv) return -1;
    for (size_t i = 0; i < n; i++) dmz_argv[i + 2] = s->argv[i];
    return 0;
}

/* Clones the child with the plan's namespaces (`extra`: CLONE_PARENT from
 * the intermediate). Into `cgroup_fd` when given: cloned into its cgroup,
 * the child needs no migration (and no RCU grace period for the threadgroup
 * lock); kernels before 5.7 lack clone3 or CLONE_INTO_CGROUP, and the parent
 * moves the child then (*placed = 0). In the child, closes cgroup_fd. */
static pid_t clone_child(const struct berth_spawn *s, long extra, int *placed) {
    *placed = 0;
    pid_t pid = -1;
    if (s->cgroup_fd >= 0) {
        /* clone3 takes no exit signal with CLONE_PARENT: the child gets the caller's, SIGCHLD. */
        struct berth_clone_args args = { .flags = (uint64_t)(unsigned)s->clone_flags | (uint64_t)extra | BERTH_CLONE_INTO_CGROUP,
                                         .exit_signal = (extra & CLONE_PARENT) ? 0 : SIGCHLD,
                                         .cgroup = (uint64_t)s->cgroup_fd };
        pid = (pid_t)syscall(BERTH_SYS_clone3, &args, sizeof args);
        if (pid >= 0) *placed = 1;
        else if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) return -1;
    }
    if (pid < 0) pid = (pid_t)syscall(SYS_clone, (long)s->clone_flags | extra | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0 && s->cgroup_fd >= 0) close(s->cgroup_fd);
    return pid;
}

pid_t berth_spawn_child(const struct berth_spawn *s) {
    if (prepare_dmz_argv(s) < 0) return -1;
    pid_t mid = fork();
    if (mid != 0) {
        free(dmz_argv);
        dmz_argv = NULL;
        return mid;
    }
    /* The intermediate: join, clone, report, exit. */
    for (int i = 0; i < s->njoin; i++) {
        if (setns(s->join_fds[i], s->join_types[i]) < 0) {
            report(s->sync_fd, 'J', i, errno, "");
            _exit(1);
        }
    }
    close_inherited(s);
    int placed;
    pid_t pid = clone_child(s, CLONE_PARENT, &placed);
    if (pid < 0) {
        report(s->sync_fd, 'C', 0, errno, "");
        _exit(1);
    }
    if (pid == 0) child_main(s);
    report(s->sync_fd, 'P', pid, placed, "");
    _exit(0);
}

pid_t berth_spawn_direct(const struct berth_spawn *s, int *in_cgroup) {
    if (s->njoin > 0) { errno = EINVAL; return -1; }
    if (prepare_dmz_argv(s) < 0) return -1;
    pid_t pid = clone_child(s, 0, in_cgroup);
    if (pid == 0) {
        close_inherited(s);
        child_main(s);
    }
    int e = errno;
    free(dmz_argv);
    dmz_argv = NULL;
    errno = e;
    return pid;
}

int berth_send_fd(int sock, int fd) {
    char byte = 0;
    struct iovec iov = { &byte, 1 };
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0) return 0;
        if (errno != EINTR) return -1;
    }
}

int berth_recv_fd(int sock) {
    char byte;
    struct iovec iov = { &byte, 1 };
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS) { errno = EBADMSG; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}
