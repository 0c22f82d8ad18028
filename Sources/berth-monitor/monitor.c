/* berth's per-container monitor (think conmon): one small C process per
 * container that outlives the daemon. It starts the runtime's `create`,
 * becomes the container init's parent (child subreaper), holds the stdio
 * pipes (or the pty master), writes docker's json-file log with rotation,
 * serves attach clients on a Unix socket, and records the exit status in a
 * file written atomically, so a restarted daemon still learns it.
 *
 * It is an executable of its own, small and static (main.c, build.sh), that
 * the berth binary carries inside it and runs from a sealed memfd, so a
 * monitor costs what this code touches (tens of kilobytes), not a Swift
 * runtime or the shared C libraries per container. Single-threaded; poll(2)
 * loop. */
#define _GNU_SOURCE
#include "monitor.h"
#include "cberth_init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/syscall.h>

#define MAX_CLIENTS 32

struct monitor {
    struct monitor_options opt;
    pid_t init_pid;
    int out_fd;          /* read end of stdout, or the pty master */
    int err_fd;          /* read end of stderr; -1 with a tty */
    int in_fd;           /* write end of stdin, or the pty master; -1 if closed */
    int listen_fd;
    int sig_fd;
    int clients[MAX_CLIENTS];
    int nclients;
    struct log_writer log;
};

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...) {
    if (fd < 0) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    if (n > 0) (void)!write(fd, buf, (size_t)n);
}

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_full(int fd, void *data, size_t len) {
    char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- attach clients: frames are [type:1][length:4, big-endian][payload] ---- */

static void drop_client(struct monitor *m, int i) {
    close(m->clients[i]);
    m->clients[i] = m->clients[--m->nclients];
}

static int client_index(const struct monitor *m, int fd) {
    for (int i = 0; i < m->nclients; i++)
        if (m->clients[i] == fd) return i;
    return -1;
}

static void broadcast(struct monitor *m, uint8_t type, const char *data, uint32_t len) {
    uint8_t header[5] = {type, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    for (int i = m->nclients - 1; i >= 0; i--) {
        /* A client that cannot keep up is dropped rather than stalling the
         * container's output (docker's attach also drops slow readers). */
        if (write_all(m->clients[i], header, 5) < 0 || write_all(m->clients[i], data, len) < 0)
            drop_client(m, i);
    }
}

static void close_stdin(struct monitor *m) {
    if (m->in_fd >= 0 && !m->opt.tty) {
        close(m->in_fd);
        m->in_fd = -1;
    }
}

/* Reads one frame from client i; returns -1 when the client is gone. */
static int client_frame(struct monitor *m, int i) {
    uint8_t header[5];
    int fd = m->clients[i];
    if (read_full(fd, header, 5) < 0) return -1;
    uint32_t len = ((uint32_t)header[1] << 24) | ((uint32_t)header[2] << 16) | ((uint32_t)header[3] << 8) | header[4];
    if (len > (1u << 20)) return -1;
    char *buf = len ? malloc(len) : NULL;
    if (len && !buf) return -1;
    if (len && read_full(fd, buf, len) < 0) { free(buf); return -1; }
    switch (header[0]) {
    case MONITOR_FRAME_STDIN:
        if (m->in_fd >= 0 && write_all(m->in_fd, buf, len) < 0) close_stdin(m);
        break;
    case MONITOR_FRAME_STDIN_CLOSE:
        close_stdin(m);
        break;
    case MONITOR_FRAME_RESIZE:
        if (m->opt.tty && len == 4) {
            struct winsize ws = {0};
            ws.ws_row = (unsigned short)(((uint8_t)buf[0] << 8) | (uint8_t)buf[1]);
            ws.ws_col = (unsigned short)(((uint8_t)buf[2] << 8) | (uint8_t)buf[3]);
            ioctl(m->out_fd, TIOCSWINSZ, &ws);
        }
        break;
    default:
        break;
    }
    free(buf);
    return 0;
}

/* ---- output ---- */

/* Returns bytes read, 0 at EOF, -1 when nothing is ready. */
static ssize_t pump(struct monitor *m, int fd, uint8_t stream) {
    char buf[32768];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
    if (n == 0) return 0;
    log_write(&m->log, stream == MONITOR_FRAME_STDOUT ? "stdout" : "stderr", buf, (size_t)n);
    broadcast(m, stream, buf, (uint32_t)n);
    return n;
}

static void drain(struct monitor *m) {
    /* The init is gone; read what is still buffered. Other processes may
     * keep the pipes open (no pid namespace), so stop at the first EAGAIN. */
    if (m->out_fd >= 0) while (pump(m, m->out_fd, MONITOR_FRAME_STDOUT) > 0) {}
    if (m->err_fd >= 0) while (pump(m, m->err_fd, MONITOR_FRAME_STDERR) > 0) {}
    log_flush_partial(&m->log);
}

/* ---- setup ---- */

/* A path longer than sun_path (a deep exec root) is bound through its
 * directory's descriptor, as /proc/self/fd/N/name (UnixSocket.swift). */
static int make_listener(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int dir = -1;
    if (strlen(path) < sizeof addr.sun_path) {
        strcpy(addr.sun_path, path);
    } else {
        const char *slash = strrchr(path, '/');
        if (!slash || slash == path || !slash[1]) { errno = ENAMETOOLONG; return -1; }
        char parent[4096];
        if ((size_t)(slash - path) >= sizeof parent) { errno = ENAMETOOLONG; return -1; }
        memcpy(parent, path, (size_t)(slash - path));
        parent[slash - path] = 0;
        dir = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return -1;
        int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir, slash + 1);
        if (n < 0 || (size_t)n >= sizeof addr.sun_path) { close(dir); errno = ENAMETOOLONG; return -1; }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { int e = errno; if (dir >= 0) close(dir); errno = e; return -1; }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
        int e = errno;
        close(fd);
        if (dir >= 0) close(dir);
        errno = e;
        return -1;
    }
    if (dir >= 0) close(dir);
    return fd;
}

/* Receives the pty master that the runtime sends over --console-socket. */
static int receive_console(int listen_fd) {
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) return -1;
    char dummy[256];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = dummy, .iov_len = sizeof dummy};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n;
    do { n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    close(conn);
    if (n < 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static int read_pid_file(const char *path, pid_t *pid) {
    char buf[32] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) { errno = EINVAL; return -1; }
    long v = strtol(buf, NULL, 10);
    if (v <= 0) { errno = EINVAL; return -1; }
    *pid = (pid_t)v;
    return 0;
}

static void set_nonblock(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Runs the create command with the container's stdio; returns its exit
 * status, or -1 with errno when it could not be started. */
static int run_create(struct monitor_options *o, int in, int out, int err) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (in >= 0) dup2(in, 0); else { int null = open("/dev/null", O_RDONLY); dup2(null, 0); }
        if (out >= 0) dup2(out, 1);
        if (err >= 0) dup2(err, 2);
        /* berth's own runtime starts from a sealed copy (exe_seal.c) right
         * away: `runtime create` would otherwise re-execute itself into one,
         * a second start of berth per container. */
        if (o->seal_runtime) (void)berth_exe_run_sealed(o->create_argv[0], o->create_argv);
        execv(o->create_argv[0], o->create_argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

static int setup(struct monitor *m, int sync_fd) {
    struct monitor_options *o = &m->opt;
    int child_in = -1, child_out = -1, child_err = -1;
    m->in_fd = m->out_fd = m->err_fd = -1;

    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        report(sync_fd, "error prctl(PR_SET_CHILD_SUBREAPER): %s\n", strerror(errno));
        return -1;
    }
    m->listen_fd = make_listener(o->attach_socket);
    if (m->listen_fd < 0) {
        report(sync_fd, "error listen on `%s`: %s\n", o->attach_socket, strerror(errno));
        return -1;
    }
    /* An exec runs as soon as the runtime is called, so its first output
     * must have a reader: with --wait-client the daemon's client is
     * accepted before the command runs (10 s at most). */
    if (o->wait_client) {
        struct pollfd pfd = {.fd = m->listen_fd, .events = POLLIN};
        int ready = poll(&pfd, 1, 10000);
        int c = ready > 0 ? accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC) : -1;
        if (c < 0) {
            report(sync_fd, "error no attach client connected to `%s`\n", o->attach_socket);
            return -1;
        }
        m->clients[m->nclients++] = c;
    }
    if (!o->tty) {
        int p[2];
        if (o->open_stdin) {
            if (pipe2(p, O_CLOEXEC) < 0) goto pipe_failed;
            child_in = p[0]; m->in_fd = p[1];
        }
        if (pipe2(p, O_CLOEXEC) < 0) goto pipe_failed;
        m->out_fd = p[0]; child_out = p[1];
        if (pipe2(p, O_CLOEXEC) < 0) goto pipe_failed;
        m->err_fd = p[0]; child_err = p[1];
        /* dup2 in the child clears CLOEXEC on 0-2 only. */
    }
    /* With a tty the runtime sends the pty master over --console-socket,
     * which the daemon pointed at our attach socket path + ".console". */
    int console_listen = -1;
    if (o->tty) {
        char path[4096];
        snprintf(path, sizeof path, "%s.console", o->attach_socket);
        console_listen = make_listener(path);
        if (console_listen < 0) {
            report(sync_fd, "error listen on `%s`: %s\n", path, strerror(errno));
            return -1;
        }
    }

    /* The create command runs while we wait for the console connection, so
     * it must not block on us: run it in a child and accept meanwhile. */
    int status;
    if (o->tty) {
        pid_t pid = fork();
        if (pid == 0) {
            _exit(run_create(o, -1, -1, -1) == 0 ? 0 : 1);
        }
        struct pollfd pfd = {.fd = console_listen, .events = POLLIN};
        int ready = 0;
        for (int waited = 0; waited < 600 && !ready; waited++) {
            if (poll(&pfd, 1, 100) > 0) ready = 1;
            else if (waitpid(pid, &status, WNOHANG) == pid) { pid = -1; break; }
        }
        if (ready) m->out_fd = m->in_fd = receive_console(console_listen);
        if (pid > 0) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        close(console_listen);
        char path[4096];
        snprintf(path, sizeof path, "%s.console", o->attach_socket);
        unlink(path);
        if (pid > 0 && status == 0 && m->out_fd < 0) {
            report(sync_fd, "error no console received from the runtime\n");
            return -1;
        }
    } else {
        status = run_create(o, child_in, child_out, child_err);
    }
    if (child_in >= 0) close(child_in);
    if (child_out >= 0) close(child_out);
    if (child_err >= 0) close(child_err);
    if (status != 0) {
        if (status < 0) report(sync_fd, "error exec `%s`: %s\n", o->create_argv[0], strerror(errno));
        else if (WIFEXITED(status)) report(sync_fd, "error create exited with status %d\n", WEXITSTATUS(status));
        else report(sync_fd, "error create killed by signal %d\n", WTERMSIG(status));
        return -1;
    }
    if (read_pid_file(o->pid_file, &m->init_pid) < 0) {
        report(sync_fd, "error read pid file `%s`: %s\n", o->pid_file, strerror(errno));
        return -1;
    }
    if (m->out_fd >= 0) set_nonblock(m->out_fd);
    if (m->err_fd >= 0) set_nonblock(m->err_fd);
    return 0;

pipe_failed:
    report(sync_fd, "error pipe: %s\n", strerror(errno));
    return -1;
}

static void write_exit_file(struct monitor *m, int status) {
    char tmp[4096], body[512], when[64];
    log_timestamp(when, sizeof when);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    int n = snprintf(body, sizeof body, "{\"exitCode\":%d,\"signal\":%d,\"pid\":%d,\"finishedAt\":\"%s\"}\n",
                     code, sig, (int)m->init_pid, when);
    snprintf(tmp, sizeof tmp, "%s.tmp", m->opt.exit_file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    /* Atomic (temp + rename), not fsynced: the exec root is runtime state
     * (/run, tmpfs, as dockerd's), and no container outlives a power cut. */
    int ok = write_all(fd, body, (size_t)n) == 0;
    close(fd);
    if (ok) rename(tmp, m->opt.exit_file);
    uint8_t frame[4] = {(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8), (uint8_t)code};
    broadcast(m, MONITOR_FRAME_EXIT, (const char *)frame, 4);
}

/* Accepts every client waiting in the backlog. The daemon connects its
 * attach clients before the runtime's `start`; a container that exits at
 * once must still reach them, so they are accepted before the exit is
 * handled, not only when poll reports the listener. */
static void accept_pending(struct monitor *m) {
    for (;;) {
        int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) return;
        if (m->nclients < MAX_CLIENTS) m->clients[m->nclients++] = c;
        else close(c);
    }
}

static int loop(struct monitor *m) {
    set_nonblock(m->listen_fd);
    accept_pending(m);
    for (;;) {
        struct pollfd fds[4 + MAX_CLIENTS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = m->sig_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = m->out_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = m->err_fd, .events = POLLIN};
        for (int i = 0; i < m->nclients; i++) fds[n++] = (struct pollfd){.fd = m->clients[i], .events = POLLIN};
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        accept_pending(m);
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(m->sig_fd, &si, sizeof si) == sizeof si) {}
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid == m->init_pid) {
                    drain(m);
                    write_exit_file(m, status);
                    return 0;
                }
            }
        }
        if (fds[2].revents & (POLLIN | POLLHUP)) {
            if (pump(m, m->out_fd, MONITOR_FRAME_STDOUT) == 0) {
                /* EOF (or EIO on a pty whose slave closed): stop polling it. */
                close(m->out_fd);
                if (m->in_fd == m->out_fd) m->in_fd = -1;
                m->out_fd = -1;
            }
        }
        if (fds[3].revents & (POLLIN | POLLHUP)) {
            if (pump(m, m->err_fd, MONITOR_FRAME_STDERR) == 0) {
                close(m->err_fd);
                m->err_fd = -1;
            }
        }
        /* A broadcast above may have dropped clients (and moved others to
         * new slots): find each polled client by its fd, not its slot. */
        for (int i = n - 1; i >= 4; i--) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int idx = client_index(m, fds[i].fd);
            if (idx >= 0 && client_frame(m, idx) < 0) drop_client(m, idx);
        }
    }
}

static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    for (int fd = first; fd < 1024; fd++) close(fd); /* kernels before 5.9 */
}

int berth_monitor_main(int argc, char **argv) {
    struct monitor m;
    memset(&m, 0, sizeof m);
    m.listen_fd = m.sig_fd = -1;
    char err[512];
    if (monitor_parse(argc, argv, &m.opt, err, sizeof err) < 0) {
        fprintf(stderr, "berth monitor: %s\n", err);
        return 2;
    }
    int sync_fd = m.opt.sync_fd;
    /* Keep only 0-2 and the sync channel (moved to fd 3, close-on-exec):
     * nothing the daemon had open may leak into the monitor or the
     * container, and a spawner waiting for its own fds to close (as
     * Foundation's Process does) must not wait for the container. */
    if (sync_fd >= 0 && sync_fd != 3) {
        if (dup2(sync_fd, 3) < 0) sync_fd = -1; else sync_fd = 3;
    }
    close_from(sync_fd >= 0 ? 4 : 3);
    if (sync_fd >= 0) fcntl(sync_fd, F_SETFD, FD_CLOEXEC);

    /* Detach from the daemon: our parent exits at once (the daemon reaps it)
     * and we continue in a new session, so the container outlives the
     * daemon (live restore). */
    pid_t pid = fork();
    if (pid < 0) { report(sync_fd, "error fork: %s\n", strerror(errno)); return 1; }
    if (pid > 0) _exit(0);
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    m.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    if (log_open(&m.log, m.opt.log_path, m.opt.log_max_size, m.opt.log_max_files) < 0) {
        report(sync_fd, "error open log `%s`: %s\n", m.opt.log_path ? m.opt.log_path : "", strerror(errno));
        return 1;
    }
    if (setup(&m, sync_fd) < 0) {
        unlink(m.opt.attach_socket);
        return 1;
    }
    if (m.opt.monitor_pid_file) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
        int fd = open(m.opt.monitor_pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) { (void)!write(fd, buf, (size_t)n); close(fd); }
    }
    report(sync_fd, "ok %d\n", (int)m.init_pid);
    if (sync_fd >= 0) close(sync_fd);

    int rc = loop(&m);
    for (int i = 0; i < m.nclients; i++) close(m.clients[i]);
    log_close(&m.log);
    unlink(m.opt.attach_socket);
    if (m.opt.monitor_pid_file) unlink(m.opt.monitor_pid_file);
    return rc;
}

/* ---- the zygote: forks monitors from one process that is already loaded ----
 *
 * `berth __monitor-zygote --socket PATH` (fd 3: the daemon's lifeline) is
 * started once by the daemon. Each connection to PATH carries one request,
 * [length:4, big-endian][argv of `berth __monitor …`, each NUL-terminated],
 * and becomes that monitor's sync channel (fd 3). Forking from here instead
 * of executing the berth binary per container skips the dynamic loader's
 * relocation of the whole binary (milliseconds per start), and the pages it
 * dirtied stay shared between every monitor: each one costs what it touches
 * itself. The zygote exits when the lifeline closes (the daemon is gone);
 * monitors do not depend on it (they detach as before). */
static int read_request(int conn, char **buf, size_t *len) {
    uint8_t header[4];
    if (read_full(conn, header, 4) < 0) return -1;
    uint32_t n = ((uint32_t)header[0] << 24) | ((uint32_t)header[1] << 16) | ((uint32_t)header[2] << 8) | header[3];
    if (n == 0 || n > (1u << 20)) { errno = EINVAL; return -1; }
    *buf = malloc(n + 1);
    if (!*buf) return -1;
    if (read_full(conn, *buf, n) < 0) { free(*buf); return -1; }
    (*buf)[n] = 0;
    *len = n;
    return 0;
}

/* In the forked child: conn becomes fd 3, the request becomes argv. */
static int zygote_child(int conn, char *buf, size_t len) {
    signal(SIGPIPE, SIG_DFL);
    if (conn != 3) {
        if (dup2(conn, 3) < 0) return 1;
        close(conn);
    }
    int argc = 0;
    for (size_t i = 0; i < len; i++) if (buf[i] == 0) argc++;
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    if (!argv) return 1;
    char *p = buf;
    for (int i = 0; i < argc; i++) { argv[i] = p; p += strlen(p) + 1; }
    return berth_monitor_main(argc, argv);
}

int berth_monitor_zygote_main(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 2; i + 1 < argc; i++) if (strcmp(argv[i], "--socket") == 0) path = argv[++i];
    if (!path) { fprintf(stderr, "berth monitor zygote: --socket PATH is required\n"); return 2; }
    int lifeline = 3;
    close_from(4);
    signal(SIGPIPE, SIG_IGN);
    int listen_fd = make_listener(path);
    if (listen_fd < 0) {
        report(lifeline, "error listen on `%s`: %s\n", path, strerror(errno));
        return 1;
    }
    report(lifeline, "ready\n");
    for (;;) {
        struct pollfd fds[2] = {{.fd = lifeline, .events = POLLIN}, {.fd = listen_fd, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents) break; /* EOF or error: the daemon is gone */
        if (!(fds[1].revents & POLLIN)) continue;
        int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) continue;
        struct timeval timeout = {.tv_sec = 10};
        setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char *buf;
        size_t len;
        if (read_request(conn, &buf, &len) < 0) {
            report(conn, "error bad monitor request: %s\n", strerror(errno));
            close(conn);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(listen_fd);
            close(lifeline);
            _exit(zygote_child(conn, buf, len));
        }
        if (pid < 0) report(conn, "error fork: %s\n", strerror(errno));
        free(buf);
        close(conn);
        /* The child detaches at once (berth_monitor_main forks, its parent exits). */
        if (pid > 0) while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    unlink(path);
    return 0;
}
