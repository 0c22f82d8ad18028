/* CVE-2019-5736: a process in the container can open /proc/<pid>/exe of a
 * runtime process that entered it and, once the runtime exits, write to the
 * host's binary through that handle. Where the dmz (dmz.c) does not cover a
 * case, `berth runtime create|run|exec` re-executes itself (before Swift
 * starts on architectures without a dmz; from BerthRuntime's ExeSeal once
 * the config says the pid namespace is shared) from a copy the container
 * cannot write: a read-only overlayfs mount that is never attached anywhere
 * (runc's exeseal "sealedOverlayfs": cheap, nothing to clean up), or, where
 * the new mount API or overlayfs is missing, a sealed memfd copy (runc's
 * older cloned_binary.c). A binary already on a read-only mount is run as
 * it is: that saves a second start of berth on every runtime call. */
#define _GNU_SOURCE
#include "cberth_init.h"
#include "sealed_memfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEALED_ENV "_BERTH_EXE_SEALED"

static int sealed;

int berth_exe_is_sealed(void) { return sealed; }

/* A detached read-only overlay of the binary's own directory. Overlayfs
 * without an upper layer wants two lower ones that do not overlap: the
 * second is any unrelated directory (runc uses its state directory). */
static int overlay_copy(const char *exe) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", exe);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return -1;
    *slash = 0;
    const char *base = slash + 1;
    static const char *const dummies[] = { "/run", "/tmp", "/dev", NULL };
    for (int i = 0; dummies[i]; i++) {
        int fs = (int)syscall(SYS_fsopen, "overlay", 1 /* FSOPEN_CLOEXEC */);
        if (fs < 0) return -1;
        char lower[2 * PATH_MAX + 2];
        snprintf(lower, sizeof lower, "%s:%s", dir, dummies[i]);
        int mnt = -1;
        if (!strchr(dir, ':') && syscall(SYS_fsconfig, fs, 1 /* FSCONFIG_SET_STRING */, "lowerdir", lower, 0) == 0 &&
            syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) == 0) {
            mnt = (int)syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 1 /* MOUNT_ATTR_RDONLY */);
        }
        close(fs);
        if (mnt < 0) continue;
        int fd = openat(mnt, base, O_PATH | O_CLOEXEC);
        close(mnt);
        if (fd >= 0) return fd;
    }
    return -1;
}

static int memfd_copy(const char *exe) {
    int src = open(exe, O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    struct stat st;
    if (fstat(src, &st) < 0) { close(src); return -1; }
    int fd = berth_memfd_new("berth");
    if (fd < 0) { close(src); return -1; }
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = sendfile(fd, src, NULL, (size_t)left);
        if (n <= 0) { if (n < 0 && errno == EINTR) continue; close(src); close(fd); return -1; }
        left -= n;
    }
    close(src);
    if (berth_memfd_seal(fd) < 0) { close(fd); return -1; }
    return fd;
}

int berth_exe_run_sealed(const char *exe, char **argv) {
    /* A binary on a read-only mount (a device's read-only root) cannot be
     * written through /proc/<pid>/exe either: no copy needed. */
    struct statvfs sv;
    int fd = statvfs(exe, &sv) == 0 && (sv.f_flag & ST_RDONLY) ? open(exe, O_PATH | O_CLOEXEC) : overlay_copy(exe);
    if (fd < 0) fd = memfd_copy(exe);
    if (fd < 0) return -1;
    setenv(SEALED_ENV, "1", 1);
    extern char **environ;
    syscall(SYS_execveat, fd, "", argv, environ, 0x1000 /* AT_EMPTY_PATH */);
    int e = errno;
    unsetenv(SEALED_ENV);
    close(fd);
    errno = e;
    return -1;
}

int berth_exe_reexec_sealed(char **argv) {
    struct statvfs sv;
    if (statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY)) { sealed = 1; return 0; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    return berth_exe_run_sealed(exe, argv);
}

/* The monitor executable (Sources/berth-monitor) compiles this file for
 * berth_exe_run_sealed alone. */
#ifndef BERTH_MONITOR_IMAGE
__attribute__((constructor)) static void berth_exe_seal(int argc, char **argv, char **envp) {
    (void)envp;
    if (getenv(SEALED_ENV)) { sealed = 1; unsetenv(SEALED_ENV); return; }
    if (argc < 3 || strcmp(argv[1], "runtime") != 0) return;
    /* With a dmz (dmz.c) the runtime decides from the config whether it
     * needs the sealed copy at all (BerthRuntime's ExeSeal). */
    if (berth_dmz_available()) return;
    /* The verb is the first argument that is not a global option. */
    const char *verb = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') { verb = a; break; }
        if (!strchr(a, '=') && (strcmp(a, "--root") == 0 || strcmp(a, "--log") == 0 || strcmp(a, "--log-format") == 0 ||
                                 strcmp(a, "--criu") == 0 || strcmp(a, "--rootless") == 0)) i++;
    }
    if (!verb || (strcmp(verb, "create") != 0 && strcmp(verb, "run") != 0 && strcmp(verb, "exec") != 0)) return;
    (void)berth_exe_reexec_sealed(argv);  /* run unprotected rather than not at all; Swift warns */
}
#endif
