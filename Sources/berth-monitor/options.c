/* Command line of `berth-monitor __monitor`, built by the daemon (never by people). */
#define _GNU_SOURCE
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int monitor_parse(int argc, char **argv, struct monitor_options *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    o->sync_fd = -1;
    o->log_max_files = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (i + 1 >= argc) { snprintf(err, errlen, "missing create command after --"); return -1; }
            o->create_argv = &argv[i + 1];
            break;
        }
        if (strcmp(a, "--tty") == 0) { o->tty = 1; continue; }
        if (strcmp(a, "--stdin") == 0) { o->open_stdin = 1; continue; }
        if (strcmp(a, "--wait-client") == 0) { o->wait_client = 1; continue; }
        if (strcmp(a, "--seal-runtime") == 0) { o->seal_runtime = 1; continue; }
        if (i + 1 >= argc) { snprintf(err, errlen, "option %s needs a value", a); return -1; }
        const char *v = argv[++i];
        if (strcmp(a, "--sync-fd") == 0) o->sync_fd = atoi(v);
        else if (strcmp(a, "--attach-socket") == 0) o->attach_socket = v;
        else if (strcmp(a, "--pid-file") == 0) o->pid_file = v;
        else if (strcmp(a, "--exit-file") == 0) o->exit_file = v;
        else if (strcmp(a, "--monitor-pid-file") == 0) o->monitor_pid_file = v;
        else if (strcmp(a, "--log") == 0) o->log_path = v;
        else if (strcmp(a, "--log-max-size") == 0) o->log_max_size = atoll(v);
        else if (strcmp(a, "--log-max-files") == 0) o->log_max_files = atoi(v) > 0 ? atoi(v) : 1;
        else { snprintf(err, errlen, "unknown option %s", a); return -1; }
    }
    if (!o->attach_socket || !o->pid_file || !o->exit_file || !o->create_argv) {
        snprintf(err, errlen, "--attach-socket, --pid-file, --exit-file and a create command are required");
        return -1;
    }
    return 0;
}
