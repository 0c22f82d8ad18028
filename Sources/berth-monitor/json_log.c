/* docker's json-file log driver, in C for the monitor (monitor.h). Lines are
 * split on '\n' as docker's does; a line longer than 16 KiB is written in
 * pieces without the newline, as docker's partial messages are. */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void log_timestamp(char *buf, size_t len) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int log_open(struct log_writer *w, const char *path, long long max_size, int max_files) {
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->path = path;
    w->max_size = max_size;
    w->max_files = max_files < 1 ? 1 : max_files;
    if (!path) return 0;
    w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (w->fd < 0) return -1;
    struct stat st;
    if (fstat(w->fd, &st) == 0) w->size = st.st_size;
    return 0;
}

static void rotate(struct log_writer *w) {
    char from[4096], to[4096];
    close(w->fd);
    w->fd = -1;
    if (w->max_files > 1) {
        for (int i = w->max_files - 1; i > 1; i--) {
            snprintf(from, sizeof from, "%s.%d", w->path, i - 1);
            snprintf(to, sizeof to, "%s.%d", w->path, i);
            rename(from, to);
        }
        snprintf(to, sizeof to, "%s.1", w->path);
        rename(w->path, to);
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    } else {
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    }
    w->size = 0;
}

/* Appends s[0..len) JSON-escaped; invalid UTF-8 bytes become U+FFFD as Go's
 * encoding/json does. Returns the new length or -1 if out of room. */
static long escape(char *out, size_t cap, size_t at, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (at + 12 >= cap) return -1;
        if (c == '"' || c == '\\') { out[at++] = '\\'; out[at++] = (char)c; i++; continue; }
        if (c == '\n') { out[at++] = '\\'; out[at++] = 'n'; i++; continue; }
        if (c == '\r') { out[at++] = '\\'; out[at++] = 'r'; i++; continue; }
        if (c == '\t') { out[at++] = '\\'; out[at++] = 't'; i++; continue; }
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out[at++] = '\\'; out[at++] = 'u'; out[at++] = '0'; out[at++] = '0';
            out[at++] = hex[c >> 4]; out[at++] = hex[c & 15]; i++; continue;
        }
        if (c < 0x80) { out[at++] = (char)c; i++; continue; }
        size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        int ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++) ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok) { memcpy(out + at, s + i, n); at += n; i += n; }
        else { memcpy(out + at, "\\ufffd", 6); at += 6; i++; }
    }
    return (long)at;
}

static void emit(struct log_writer *w, const char *stream, const char *line, size_t len) {
    if (w->fd < 0) return;
    static char buf[16384 * 6 + 256];
    char when[64];
    log_timestamp(when, sizeof when);
    size_t at = (size_t)snprintf(buf, sizeof buf, "{\"log\":\"");
    long end = escape(buf, sizeof buf, at, line, len);
    if (end < 0) return;
    at = (size_t)end;
    at += (size_t)snprintf(buf + at, sizeof buf - at, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, when);
    if (w->max_size > 0 && w->size > 0 && w->size + (long long)at > w->max_size) rotate(w);
    if (w->fd < 0) return;
    size_t off = 0;
    while (off < at) {
        ssize_t n = write(w->fd, buf + off, at - off);
        if (n < 0) { if (errno == EINTR) continue; return; }
        off += (size_t)n;
    }
    w->size += (long long)at;
}

void log_write(struct log_writer *w, const char *stream, const char *data, size_t len) {
    int s = strcmp(stream, "stderr") == 0;
    char *partial = w->partial[s];
    size_t cap = sizeof w->partial[s];
    for (size_t i = 0; i < len; i++) {
        partial[w->partial_len[s]++] = data[i];
        if (data[i] == '\n' || w->partial_len[s] == cap) {
            emit(w, stream, partial, w->partial_len[s]);
            w->partial_len[s] = 0;
        }
    }
}

void log_flush_partial(struct log_writer *w) {
    for (int s = 0; s < 2; s++) {
        if (w->partial_len[s]) emit(w, s ? "stderr" : "stdout", w->partial[s], w->partial_len[s]);
        w->partial_len[s] = 0;
    }
}

/* Not fsynced, as docker's json-file driver: the lines are in the page
 * cache once written (a crash of the daemon or monitor loses none), and a
 * sync here would delay the exit's report by a disk flush. */
void log_close(struct log_writer *w) {
    log_flush_partial(w);
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
}
