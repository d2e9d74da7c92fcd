/* redis_batch.h - what stat needs of many keys at once, in a few pipelined round trips. */
#ifndef REDISFS_REDIS_BATCH_H
#define REDISFS_REDIS_BATCH_H

#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/* A batch of keys of one database; the arrays are the caller's. */
struct redis_batch {
	int db;
	size_t count;
	const char *const *keys;
	const size_t *lens;
};

/* TYPE of every key, one pipeline: a missing key is RV_NONE. Returns 0 or -errno. */
int redis_batch_types(struct redis_pool *pool, const struct redis_batch *b, enum rv_type *types);

/*
 * STRLEN of strings and the element count of collections (LLEN, SCARD,
 * ZCARD, HLEN, XLEN), one pipeline; 0 for other types. Returns 0 or -errno.
 */
int redis_batch_lengths(struct redis_pool *pool, const struct redis_batch *b,
			const enum rv_type *types, size_t *lengths);

/*
 * The whole values of the keys whose types are given (RV_NONE and RV_OTHER
 * are skipped): small ones in one pipeline (GET, LRANGE 0 -1, SMEMBERS,
 * ZRANGE WITHSCORES, HGETALL, XRANGE), big ones (lengths[i] above
 * REDIS_BATCH_WHOLE_LIMIT) alone in chunks. values[] must be zeroed; the
 * caller frees each with rv_value_free(). Returns 0 or -errno.
 */
#define REDIS_BATCH_WHOLE_LIMIT 10000
int redis_batch_values(struct redis_pool *pool, const struct redis_batch *b,
		       const enum rv_type *types, const size_t *lengths, struct rv_value *values);

#endif
