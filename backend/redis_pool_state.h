/* redis_pool_state.h - what a pool holds, shared by redis_pool.c and redis_conn.c. */
#ifndef REDISFS_REDIS_POOL_STATE_H
#define REDISFS_REDIS_POOL_STATE_H

/*
 * Backend-internal. redis_pool.c makes, checks and closes a pool;
 * redis_conn.c keeps its per-thread connections. Nothing else looks inside.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "log_line.h"
#include "redis_dial.h"

struct redis_pool {
	char *host;
	int port;
	char *socket_path;
	char *user;
	char *password;
	long long timeout_ns;	 /* -o timeout: the bound of one call, its retries included */
	long long stall_hold_ns; /* min(1 s, timeout): how long a stall makes calls fail at once */
	_Atomic long long stall_until; /* CLOCK_MONOTONIC ns: until then calls fail at once */
	bool read_only;
	log_line_fn log;
	void *log_arg;
	pthread_key_t conn_key;		 /* this thread's struct redis_thread */
	struct redis_cluster *cluster;	 /* NULL against a single server */
	struct redis_tls *tls;		 /* NULL: plain connections */
	struct redis_sentinel *sentinel; /* NULL unless node 0 is the master sentinels name */
	struct redis_dial watch;	 /* how the sentinels' watcher connects */
};

/* The connection options every node shares; the caller fills in the address. */
static inline struct redis_dial redis_pool_dial_options(const struct redis_pool *pool)
{
	return (struct redis_dial){
		.tls = pool->tls,
		.timeout_ns = pool->timeout_ns,
		.user = pool->user,
		.password = pool->password,
		.read_only = pool->read_only,
	};
}

#endif
