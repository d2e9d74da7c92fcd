/* redis_pool.c - a pool of Redis connections: opened and checked, its options, closed. */
#include "redis_conn.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_cluster.h"
#include "redis_node.h"
#include "redis_pool_state.h"
#include "redis_sentinel.h"
#include "redis_tls.h"
#include "str_copy.h"

#define STALL_HOLD_NS 1000000000LL /* 1 s (or the timeout, if shorter): see redis_pool_state.h */

int redis_pool_open(const struct redis_endpoint *ep, struct redis_pool **out, char *err,
		    size_t errlen)
{
	struct redis_pool *pool = calloc(1, sizeof *pool);
	bool failed = false;
	double whole;
	int ret;

	*out = NULL;
	if (!pool) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pool->host = copy_or_null(ep->host, &failed);
	pool->socket_path = copy_or_null(ep->socket_path, &failed);
	pool->user = copy_or_null(ep->user, &failed);
	pool->password = copy_or_null(ep->password, &failed);
	pool->port = ep->port;
	pool->read_only = ep->read_only;
	pool->log = ep->log;
	pool->log_arg = ep->log_arg;
	whole = ep->timeout > 0 ? ep->timeout : 5.0;
	pool->timeout_ns = (long long) (whole * 1e9);
	pool->stall_hold_ns = pool->timeout_ns < STALL_HOLD_NS ? pool->timeout_ns : STALL_HOLD_NS;
	atomic_init(&pool->stall_until, 0);
	if (failed || pthread_key_create(&pool->conn_key, redis_conn_thread_free)) {
		free(pool->host);
		free(pool->socket_path);
		free(pool->user);
		free(pool->password);
		free(pool);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = ep->tls ? redis_tls_create(&ep->tls_options, &pool->tls, err, errlen) : 0;
	if (!ret && ep->sentinel_count) {
		ret = sentinel_create(ep->sentinels, ep->sentinel_count, ep->sentinel_master,
				      &pool->sentinel);
		if (ret)
			snprintf(err, errlen, "out of memory");
	}
	if (ret) {
		redis_pool_close(pool);
		return ret;
	}

	ret = redis_conn_first(pool, err, errlen);
	if (ret) {
		redis_pool_close(pool);
		return ret;
	}
	*out = pool;
	return 0;
}

int redis_pool_started(struct redis_pool *pool)
{
	if (!pool->sentinel)
		return 0;
	pool->watch = redis_pool_dial_options(pool);
	return sentinel_watch(pool->sentinel, &pool->watch, pool->log, pool->log_arg);
}

void redis_pool_thread_done(struct redis_pool *pool)
{
	struct redis_thread *thread = pthread_getspecific(pool->conn_key);

	if (thread) {
		pthread_setspecific(pool->conn_key, NULL);
		redis_conn_thread_free(thread);
	}
}

void redis_pool_close(struct redis_pool *pool)
{
	if (!pool)
		return;
	/* other threads' connections went with their threads (the key's destructor) */
	redis_pool_thread_done(pool);
	pthread_key_delete(pool->conn_key);
	cluster_free(pool->cluster);
	sentinel_free(pool->sentinel); /* its watcher uses the TLS context and the password */
	redis_tls_free(pool->tls);
	free(pool->host);
	free(pool->socket_path);
	free(pool->user);
	if (pool->password)
		explicit_bzero(pool->password, strlen(pool->password));
	free(pool->password);
	free(pool);
}

const char *redis_client_version(void)
{
#define STR2(x) #x
#define STR(x)	STR2(x)
	return STR(HIREDIS_MAJOR) "." STR(HIREDIS_MINOR) "." STR(HIREDIS_PATCH);
#undef STR
#undef STR2
}
