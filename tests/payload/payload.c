/* The runtime tests' payload: a static program run inside the container
 * that reports what it sees, one "key=value" line each (crun's tests/init.c,
 * youki's runtimetest). The same bundle run by runc and by berth must print
 * the same lines where the spec leaves the runtime no freedom. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static void status_field(const char *name) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return;
    char line[512];
    size_t len = strlen(name);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            char *v = line + len + 1;
            while (*v == ' ' || *v == '\t') v++;
            v[strcspn(v, "\n")] = 0;
            printf("%s=%s\n", name, v);
        }
    }
    fclose(f);
}

static void file_line(const char *key, const char *path) {
    char buf[256] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s=<%s>\n", key, strerror(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    printf("%s=%s\n", key, buf);
}

static void probe_errno(const char *key, int rc) {
    printf("%s=%s\n", key, rc == 0 ? "ok" : strerror(errno));
}

int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("hostname=%s\n", u.nodename);
    printf("domainname=%s\n", u.domainname);
    printf("pid=%d\n", getpid());
    printf("uid=%d\ngid=%d\n", getuid(), getgid());
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("groups=");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", groups[i]);
    printf("\n");
    char cwd[4096];
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    const char *fields[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Umask", NULL };
    for (int i = 0; fields[i]; i++) status_field(fields[i]);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("nofile=%llu/%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    file_line("oom_score_adj", "/proc/self/oom_score_adj");
    file_line("pids.max", "/sys/fs/cgroup/pids/pids.max");
    file_line("memory.limit", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
    file_line("memory.max", "/sys/fs/cgroup/memory.max");
    file_line("uid_map", "/proc/self/uid_map");
    file_line("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward");
    probe_errno("write_root", mkdir("/payload-probe", 0755));
    rmdir("/payload-probe");
    probe_errno("write_tmp", mkdir("/tmp/payload-probe", 0755));
    rmdir("/tmp/payload-probe");
    int fd = open("/proc/kcore", O_RDONLY);
    printf("kcore_read=%s\n", fd >= 0 && read(fd, cwd, 1) >= 0 ? "ok" : "denied");
    if (fd >= 0) close(fd);
    probe_errno("proc_sys_write", access("/proc/sys/kernel/hostname", W_OK));
    struct stat st;
    printf("dev_null=%s\n", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) ? "char" : "missing");
    printf("dev_fd=%s\n", lstat("/dev/fd", &st) == 0 && S_ISLNK(st.st_mode) ? "symlink" : "missing");
    const char *env = getenv("PAYLOAD_ENV");
    printf("env=%s\n", env ? env : "");
    printf("stdin_tty=%d\n", isatty(0));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "mounts") == 0) {
            FILE *f = fopen("/proc/self/mountinfo", "r");
            char line[1024];
            while (f && fgets(line, sizeof line, f)) {
                /* mount point (field 5) and its per-mount options (field 6) */
                char *save, *tok = strtok_r(line, " ", &save);
                for (int k = 1; tok && k < 5; k++) tok = strtok_r(NULL, " ", &save);
                char *opts = strtok_r(NULL, " ", &save);
                if (tok && opts) printf("mount=%s %s\n", tok, opts);
            }
            if (f) fclose(f);
        } else if (strncmp(argv[i], "exit=", 5) == 0) {
            fflush(stdout);
            return atoi(argv[i] + 5);
        } else if (strncmp(argv[i], "sleep=", 6) == 0) {
            fflush(stdout);
            sleep((unsigned)atoi(argv[i] + 6));
        }
    }
    return 0;
}
