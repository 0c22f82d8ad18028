#ifndef CBERTH_NET_H
#define CBERTH_NET_H
/* berth's network-namespace helpers. Each runs the namespace switch on a
 * short-lived pthread of its own, so the caller's thread (a Swift or NIO
 * thread of the multi-threaded daemon) never changes namespace and nothing
 * forks. All return -1 with errno set on failure. */

/* Creates a new network namespace and bind-mounts it onto `path` (an existing
 * empty file), as `ip netns add` does: a thread unshares CLONE_NEWNET and
 * bind-mounts /proc/thread-self/ns/net; the thread then exits, so no thread
 * is left in the new namespace. */
int berth_netns_create(const char *path);

/* Opens socket(domain, type, protocol) inside the network namespace `nsfd`
 * (an fd of /proc/<pid>/ns/net or a bind-mounted netns file). A socket keeps
 * the namespace it was created in, so the caller can bind, listen and serve
 * it from any thread afterwards. Returns the new fd (close-on-exec). */
int berth_netns_socket(int nsfd, int domain, int type, int protocol);

/* Writes `value` to the file `path` (relative to /proc/sys/, e.g.
 * "net/ipv4/conf/all/forwarding") as seen from inside the network
 * namespace `nsfd`: /proc/sys/net follows the netns of the opening thread. */
int berth_netns_write_sysctl(int nsfd, const char *path, const char *value);

/* pipe2(fds, O_CLOEXEC): glibc declares pipe2 only under _GNU_SOURCE,
 * which Swift's Glibc module does not define. Used to hand stdin/stdout
 * pipes to posix_spawn'd helpers (nft) without leaking them elsewhere. */
int berth_pipe_cloexec(int fds[2]);

#endif
