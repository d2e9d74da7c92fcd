/* redis_keys.h - the commands that read one key: its type, length, bytes and members. */
#ifndef REDISFS_REDIS_KEYS_H
#define REDISFS_REDIS_KEYS_H

#include <stddef.h>
#include <sys/types.h>

#include "redis_conn.h"
#include "redis_keyspace.h" /* the fs side includes this one header for all three */
#include "redis_remove.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno: -ENOENT when the key does not exist,
 * -EROFS for a write on a read-only pool (nothing is sent), -EIO when the
 * server is gone or timed out, and the errno of redis_errors.c for server errors.
 */

/* TYPE key. A missing key is RV_NONE with return 0. */
int redis_key_type(struct redis_pool *pool, int db, const char *key, size_t klen,
		   enum rv_type *type);

/* STRLEN key (0 also for a missing key: check the type first). */
int redis_string_length(struct redis_pool *pool, int db, const char *key, size_t klen, size_t *len);

/*
 * GETRANGE key off off+size-1 into buf; *got is the number of bytes copied
 * (fewer at the end of the value, 0 past it).
 */
int redis_string_range(struct redis_pool *pool, int db, const char *key, size_t klen, off_t off,
		       size_t size, char *buf, size_t *got);

/*
 * The whole value of a key of a known type into `v` (see rv.h for the layout),
 * read in chunks (LRANGE, SSCAN, ZRANGE WITHSCORES, HSCAN, XRANGE) so that no
 * single reply is huge. -ENOENT when the key is gone; a key whose type changed
 * meanwhile gives -EAGAIN.
 */
int redis_fetch_value(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, struct rv_value *v);

/*
 * Up to `count` members of a list (LRANGE) or zset (ZRANGE, no scores) from
 * index `start`, appended to `out`; *received is how many came (fewer than
 * `count`: the end). -EINVAL for other types.
 */
int redis_range_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, long long start, size_t count, struct rv_array *out,
			size_t *received);

/* EXISTS key: *exists is 0 or 1. */
int redis_key_exists(struct redis_pool *pool, int db, const char *key, size_t klen, int *exists);

/*
 * Whether a collection holds a member (LPOS, SISMEMBER, ZSCORE, HEXISTS for
 * a hash field): *has is 0 or 1. -EINVAL for other types.
 */
int redis_has_member(struct redis_pool *pool, int db, const char *key, size_t klen,
		     enum rv_type type, const char *member, size_t mlen, int *has);

#endif
