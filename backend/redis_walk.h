/* redis_walk.h - a bound on the calls of one cursor walk (SCAN, SSCAN, HSCAN); backend-internal. */
#ifndef REDISFS_REDIS_WALK_H
#define REDISFS_REDIS_WALK_H

#include <stddef.h>

#include "redis_conn.h"

/* Elements each call of a walk asks for (SCAN ... COUNT): ~1 ms of server time, few round trips. */
#define SCAN_COUNT 1000

/*
 * A server whose cursor never comes back to 0 must not keep a listing going
 * for ever. A healthy walk with COUNT 1000 makes about (elements + buckets /
 * 10) / 1000 calls, and a hash table holds at most about ten buckets per
 * element (Redis shrinks it below that), so a walk may make 16,384 calls, and
 * past that 8 per 1,000 elements of the size the server reports: asked for
 * only once a walk is long, and again each time it reaches the bound.
 * Zero-initialise, then set `node` (DBSIZE of that node: 0 is the URL's
 * server) or `size_command` and the key (SCARD, HLEN of a big set or hash).
 */
struct redis_walk_bound {
	long long calls, allowed;
	int node;
	const char *size_command;
	const char *key;
	size_t klen;
};

/* Count one call of the walk: 0 while it may go on, else -EIO (logged) or the size's error. */
int redis_walk_bound_check(struct redis_pool *pool, int db, struct redis_walk_bound *b);

#endif
