/* redis_sample.h - a bounded look at a keyspace: the first keys a pattern matches, the first
 * members. */
#ifndef REDISFS_REDIS_SAMPLE_H
#define REDISFS_REDIS_SAMPLE_H

#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Up to `max` keys of database `db` that match the glob `pattern`, appended
 * to `keys` (SCAN MATCH on each master until that many have come; a key may
 * come twice). *scanned_all is set when the whole keyspace was walked (so
 * fewer than `max` means that is all there is). 0 or -errno.
 */
int redis_sample_keys(struct redis_pool *pool, int db, const char *pattern, size_t max,
		      struct rv_array *keys, int *scanned_all);

/*
 * Up to about `max` members of a collection (list elements from the head,
 * zset members by rank, set members and hash fields from the first SSCAN or
 * HSCAN page, which may hold a few more or fewer), appended to `out`.
 * Other types add nothing. 0 or -errno.
 */
int redis_sample_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			 enum rv_type type, size_t max, struct rv_array *out);

#endif
