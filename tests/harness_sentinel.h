/* harness_sentinel.h - a master, its replica and three sentinels on loopback for the tests. */
#ifndef REDISFS_TESTS_HARNESS_SENTINEL_H
#define REDISFS_TESTS_HARNESS_SENTINEL_H

#include <stdbool.h>

#include "harness.h"

#define H_SENTINELS	   3
#define H_SENTINEL_MASTER  "mymaster"
#define H_SENTINEL_DOWN_MS "1000" /* a master silent this long is down for a sentinel */

/* Servers this process started: each an h_redis of the harness's registry. */
struct h_sentinel_set {
	struct h_redis *servers[2]; /* the first master and its replica; roles change */
	struct h_redis *sentinels[H_SENTINELS];
	bool tls;      /* every port speaks only TLS */
	char url[256]; /* redis[s]-sentinel://127.0.0.1:S1,...#mymaster */
};

/*
 * Start a master, a replica of it and three sentinels that monitor it
 * (quorum 2), over TLS only when `tls`; wait until every sentinel knows the
 * replica and the other sentinels. Aborts with the reason when it cannot.
 */
struct h_sentinel_set *h_sentinel_start(bool tls);

/* The server the sentinels name as the master now (asked of the first one that answers). */
struct h_redis *h_sentinel_master(struct h_sentinel_set *s);

/*
 * SENTINEL FAILOVER, then wait (bounded) until the sentinels name the other
 * server, it says role:master and the old one role:slave. Returns the new master.
 */
struct h_redis *h_sentinel_failover(struct h_sentinel_set *s);

/*
 * SENTINEL FAILOVER, then wait (bounded) only until a sentinel names the
 * other server (the old master may still say role:master). Returns it.
 */
struct h_redis *h_sentinel_failover_announced(struct h_sentinel_set *s);

/*
 * Wait (bounded) until the sentinels name a master other than `old`, that
 * says role:master, and `old` (unless it was halted) says role:slave.
 */
struct h_redis *h_sentinel_wait_new_master(struct h_sentinel_set *s, const struct h_redis *old,
					   double seconds);

#endif
