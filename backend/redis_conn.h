/* redis_conn.h - Redis connections: one per thread, authenticated, bounded by a timeout. */
#ifndef REDISFS_REDIS_CONN_H
#define REDISFS_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "log_line.h"
#include "redis_tls.h"
#include "redis_transport.h"

/* Where and how to connect. The pool copies every string it is given. */
struct redis_endpoint {
	const char *host;	 /* TCP host, or NULL when socket_path is set */
	int port;		 /* TCP port */
	const char *socket_path; /* unix socket path, or NULL */
	const char *user;	 /* ACL user, or NULL for the default user */
	const char *password;	 /* password, or NULL */
	double timeout;		 /* seconds; bounds connect and every command */
	bool read_only;		 /* refuse every write command with -EROFS, before sending */
	log_line_fn log;	 /* may be NULL: errors are then only returned */
	void *log_arg;
	bool tls;			      /* every connection over TLS (rediss://) */
	struct redis_tls_options tls_options; /* with tls */
	/* with sentinel_count: host and port are unused; node 0 is the master they name */
	const struct redis_address *sentinels;
	size_t sentinel_count;
	const char *sentinel_master;
};

/*
 * A pool of connections to one server: each thread that issues a command gets
 * its own connection (a hiredis context is not thread-safe, and is useless
 * after an error), made on first use and made again after any error.
 */
struct redis_pool;

/*
 * Create a pool and check the server: connect (over TLS: handshake and
 * verification; behind sentinels: ask them, then ROLE), AUTH, PING, on the
 * calling thread. Returns 0, or -errno with a one-line reason in `err`
 * (unreachable, timed out, wrong password, a certificate that fails, no
 * sentinel names the master). On error *out is NULL.
 */
int redis_pool_open(const struct redis_endpoint *ep, struct redis_pool **out, char *err,
		    size_t errlen);

/*
 * Call once the process forks no more (after fuse_daemonize): behind
 * sentinels, a thread then listens for their +switch-master, so that the
 * mount leaves the old master as soon as they switch, not when the old
 * master refuses a write. Returns 0 or -errno (nothing else is started).
 */
int redis_pool_started(struct redis_pool *pool);

/* Close every connection and free the pool. NULL is fine. */
void redis_pool_close(struct redis_pool *pool);

/*
 * Close the calling thread's connection now, not when the thread ends: a
 * helper thread that others wait for calls it last, so that its connection is
 * gone before the pool is closed.
 */
void redis_pool_thread_done(struct redis_pool *pool);

/* Whether the pool refuses writes (the mount's -o ro). */
bool redis_pool_read_only(const struct redis_pool *pool);

/* Whether the pool talks to a Redis Cluster (redis_pool_use_cluster() succeeded). */
bool redis_pool_is_cluster(const struct redis_pool *pool);

/*
 * Whether the server of the pool is a cluster node: it answers READWRITE
 * with +OK (or, when it refuses READWRITE, INFO cluster says
 * cluster_enabled:1). A server that refuses both, or whose answers cannot be
 * read, counts as no cluster. Returns 0, or -ENOMEM.
 */
int redis_cluster_detect(struct redis_pool *pool, bool *enabled);

/*
 * Route every command of the pool by the cluster's slot map from now on:
 * ask the server for CLUSTER SLOTS. Returns 0, or -errno with a one-line
 * reason in `err`. Call before the pool is shared between threads.
 */
int redis_pool_use_cluster(struct redis_pool *pool, char *err, size_t errlen);

/* The hiredis version this was built with, "major.minor.patch". */
const char *redis_client_version(void);

#endif
