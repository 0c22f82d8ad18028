#ifndef CBERTH_INIT_H
#define CBERTH_INIT_H
/* The container's child path: clone into new namespaces, then run a list of
 * operations prepared by BerthRuntime (Swift) before the clone, then execve.
 *
 * The decisions (which mounts, in what order, which devices, which
 * capabilities) are made in Swift and unit-tested there as a plan; this C
 * code only carries the plan out, one system call per operation, without
 * allocating. A failing operation reports its index and errno to the parent
 * over the sync socket ("E <index> <errno> <detail>\n"); the parent names the
 * operation from its own copy of the plan. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum berth_op_kind {
    /* mount(a, b in root, c, flags, d). n: BERTH_MK_DIR/BERTH_MK_FILE create
     * the target first; BERTH_OUTSIDE_ROOT: b is a host path, not in root. */
    BERTH_OP_MOUNT = 1,
    /* mount(NULL, b, NULL, MS_REMOUNT|MS_BIND|flags) keeping the flags the
     * kernel locks (nosuid, nodev, noexec, ro of the mount beneath). */
    BERTH_OP_REMOUNT_BIND,
    /* mount(NULL, b, NULL, flags) for MS_SHARED/SLAVE/PRIVATE/UNBINDABLE. */
    BERTH_OP_PROPAGATION,
    /* opens a (host path) as the root for later "in root" paths */
    BERTH_OP_OPEN_ROOT,
    BERTH_OP_MKDIR,          /* b in root, mode n; parents made 0755 */
    BERTH_OP_MKNOD,          /* b in root, mode n (with S_IFCHR/S_IFBLK/S_IFIFO), dev = flags; uid/gid in n2/n3 */
    BERTH_OP_SYMLINK,        /* symlink a at b in root; EEXIST ignored */
    BERTH_OP_PIVOT_ROOT,     /* into the open root; n = 1: MS_MOVE + chroot (ramfs roots) */
    BERTH_OP_SETHOSTNAME,    /* a */
    BERTH_OP_SETDOMAINNAME,  /* a */
    BERTH_OP_WRITE_FILE,     /* write d to a (absolute path, after pivot) */
    BERTH_OP_MASK,           /* b: /dev/null over a file, read-only tmpfs over a dir; ENOENT ignored */
    BERTH_OP_READONLY,       /* b: bind onto itself, remount ro; ENOENT ignored */
    BERTH_OP_SYNC,           /* send "S <n>\n", wait for a reply (length:4 + bytes, kept as hook state) */
    BERTH_OP_HOOK,           /* run argv (path a) with envp, hook state on stdin; timeout n seconds */
    BERTH_OP_RLIMIT,         /* setrlimit(n, {n2, n3}) */
    BERTH_OP_CONSOLE,        /* new pty; master sent over fd n (SCM_RIGHTS); slave on 0,1,2 (and over /dev/console when flags is 1); rows n2, cols n3 */
    BERTH_OP_SETSID,
    BERTH_OP_NO_NEW_PRIVS,
    BERTH_OP_SECCOMP,        /* load BPF data/len with flags n */
    BERTH_OP_IDENTITY,       /* capabilities and user: data points at struct berth_identity */
    BERTH_OP_UMASK,          /* n */
    BERTH_OP_CHDIR,          /* a */
    BERTH_OP_LOOKUP,         /* resolve argv[0] (a) along PATH (d) for the final exec */
    BERTH_OP_EXEC_FIFO,      /* open /proc/self/fd/<n> for writing (blocks until `start`), write "0" */
    BERTH_OP_READY,          /* send "R\n" to the parent */
    BERTH_OP_SETNS,          /* setns(fd n, nstype n2) */
    BERTH_OP_PDEATHSIG,      /* prctl(PR_SET_PDEATHSIG, n) */
    BERTH_OP_DUMPABLE,       /* prctl(PR_SET_DUMPABLE, n) */
    BERTH_OP_PERSONALITY,    /* personality(n) */
    BERTH_OP_BECOME_ROOT,    /* setresgid/setresuid(0) in a new user namespace once its maps are written */
    BERTH_OP_UNSHARE,        /* unshare(n): the cgroup namespace, once the parent moved the child into its cgroup */
    /* write "0" to fd n (a cgroup v1 hierarchy's `tasks` file, opened by the
     * parent) and close it: the single-threaded child moves itself, which
     * needs no threadgroup lock and so no RCU grace period (writing a pid to
     * cgroup.procs costs one, 5-15 ms) */
    BERTH_OP_CGROUP_JOIN,
};

enum {
    BERTH_MK_DIR = 1,
    BERTH_MK_FILE = 2,
    BERTH_OUTSIDE_ROOT = 4,
    BERTH_OPTIONAL = 8,      /* ENOENT of the source or target is not an error */
};

struct berth_op {
    int kind;
    const char *a, *b, *c, *d;
    unsigned long flags;
    long n, n2, n3;
    const char *const *argv;
    const char *const *envp;
    const void *data;
    size_t len;
};

struct berth_identity {
    uint32_t uid, gid;
    const uint32_t *groups;
    size_t ngroups;
    int set_groups;           /* 0 in a user namespace whose setgroups is denied */
    uint64_t bounding, effective, permitted, inheritable, ambient;
    int last_cap;
};

struct berth_spawn {
    int clone_flags;          /* CLONE_NEW* to create */
    const int *join_fds;      /* namespaces to join before the clone (user first, then pid) */
    const int *join_types;
    int njoin;
    int sync_fd;              /* the child's end of the sync socket */
    const struct berth_op *ops;
    int nops;
    const char *const *argv;  /* the process to exec */
    const char *const *envp;
    int wait_go;              /* wait for "G" from the parent before the first op */
    int preserve_fds;         /* fds 3 … 3+n-1 are passed on (runc's --preserve-fds); others are closed */
    int init_mode;            /* stay pid 1: fork, exec argv in the child, reap and forward signals (--init) */
    int use_dmz;              /* exec the process (and in-container hooks) through the dmz (dmz.c) */
    int cgroup_fd;            /* a cgroup2 directory to clone the child into (clone3 CLONE_INTO_CGROUP), or -1 */
};

/* Starts the child: forks an intermediate process that joins `join_fds`
 * (namespaces whose setns only affects children: user, pid) and then clones
 * the child with CLONE_PARENT, so the child is the caller's child (into
 * `cgroup_fd` when given and the kernel has clone3). The intermediate writes
 * "P <pid> <1 if in cgroup_fd, else 0>\n" on the sync socket and exits. Returns the
 * intermediate's pid (reap it), or -1 with errno. The child never returns. */
pid_t berth_spawn_child(const struct berth_spawn *spawn);

/* Without namespaces to join first (njoin 0) no intermediate is needed: the
 * caller clones the child itself and gets its pid (-1 with errno); no "P"
 * line is written. *in_cgroup says whether it was cloned into cgroup_fd. */
pid_t berth_spawn_direct(const struct berth_spawn *spawn, int *in_cgroup);

/* Receives one fd over a Unix socket (SCM_RIGHTS); -1 with errno. */
int berth_recv_fd(int sock);
/* Sends fd over a Unix socket (SCM_RIGHTS); -1 with errno. */
int berth_send_fd(int sock, int fd);

/* Whether this architecture has the dmz (dmz.c), and a sealed memfd holding
 * it (MFD_CLOEXEC; -1 with errno). */
int berth_dmz_available(void);
int berth_dmz_create(void);

/* Re-executes the running `berth runtime` from a copy the container cannot
 * write (a detached read-only overlayfs mount, else a sealed memfd); returns
 * only if that failed (-1 with errno). */
int berth_exe_reexec_sealed(char **argv);
/* The same for the berth binary at `exe` (the monitor starting `berth
 * runtime create`): executes argv from a sealed copy of `exe`; returns only
 * if that failed. */
int berth_exe_run_sealed(const char *exe, char **argv);

/* Whether /proc/self/exe is already protected (sealed memfd or read-only
 * overlay), as the constructor in exe_seal.c arranges for `berth runtime`. */
int berth_exe_is_sealed(void);

#endif
