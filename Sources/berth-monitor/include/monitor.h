#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H
/* The per-container monitor (monitor.c): its options, its json-file log
 * writer, and the attach-socket frame types the daemon speaks. */

#include <stddef.h>
#include <sys/types.h>

/* Attach socket frames: [type:1][length:4 big-endian][payload]. Types 1 and 2
 * match the stream numbers of docker's multiplexed stream format. */
enum {
    MONITOR_FRAME_STDIN = 0,        /* client → monitor: bytes for the container's stdin */
    MONITOR_FRAME_STDOUT = 1,       /* monitor → client */
    MONITOR_FRAME_STDERR = 2,       /* monitor → client */
    MONITOR_FRAME_EXIT = 3,         /* monitor → client: exit code, int32 big-endian */
    MONITOR_FRAME_STDIN_CLOSE = 4,  /* client → monitor: close the container's stdin */
    MONITOR_FRAME_RESIZE = 5,       /* client → monitor: rows:2, cols:2 (tty only) */
};

struct monitor_options {
    int sync_fd;                 /* reports "ok <pid>\n" or "error <message>\n", then closes */
    const char *attach_socket;   /* Unix socket for attach clients */
    const char *pid_file;        /* where the create command writes the init's pid */
    const char *exit_file;       /* {"exitCode":…} written atomically when the init exits */
    const char *monitor_pid_file;
    const char *log_path;        /* json-file log; NULL for none */
    long long log_max_size;      /* bytes before rotation; 0 = unlimited */
    int log_max_files;           /* files kept including the current one */
    int tty;
    int open_stdin;
    int wait_client;             /* accept one attach client before running the command */
    int seal_runtime;            /* create_argv is berth's own runtime: run it from a sealed copy */
    char **create_argv;          /* the runtime's create command, NULL-terminated */
};

int monitor_parse(int argc, char **argv, struct monitor_options *o, char *err, size_t errlen);
int berth_monitor_main(int argc, char **argv);
/* `berth __monitor-zygote --socket PATH`, fd 3 the lifeline: forks monitors on request. */
int berth_monitor_zygote_main(int argc, char **argv);

/* docker's json-file log driver: one JSON object per line,
 * {"log":"…\n","stream":"stdout","time":"RFC3339Nano"}, rotated at max_size
 * into <path>.1 … <path>.<max_files-1>. */
struct log_writer {
    int fd;
    const char *path;
    long long size;
    long long max_size;
    int max_files;
    char partial[2][16384];      /* an unfinished line per stream */
    size_t partial_len[2];
};

int log_open(struct log_writer *w, const char *path, long long max_size, int max_files);
void log_write(struct log_writer *w, const char *stream, const char *data, size_t len);
void log_flush_partial(struct log_writer *w);
void log_close(struct log_writer *w);
void log_timestamp(char *buf, size_t len);

#endif
