/* redis_keys.h - the Redis commands redisfs uses: listing, types, sizes, values, removal. */
#ifndef REDISFS_REDIS_KEYS_H
#define REDISFS_REDIS_KEYS_H

#include <stddef.h>
#include <sys/types.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno: -ENOENT when the key does not exist,
 * -EROFS for a write on a read-only pool (nothing is sent), -EIO when the
 * server is gone or timed out, and the errno of redis_conn.c for server errors.
 */

/*
 * Number of logical databases: CONFIG GET databases, or, when the server
 * refuses CONFIG (an ACL user without it), the first database SELECT refuses.
 */
int redis_database_count(struct redis_pool *pool, int *count);

/*
 * The largest string the server takes: CONFIG GET proto-max-bulk-len. An
 * error (CONFIG refused by an ACL) leaves *size as it was.
 */
int redis_max_string_size(struct redis_pool *pool, size_t *size);

/*
 * Every key of database `db` whose name starts with (prefix, prefix_len)
 * (glob characters in it are matched literally; prefix_len 0: every key),
 * by SCAN MATCH COUNT, appended to `keys`, sorted bytewise, duplicates
 * removed. A key that exists for the whole scan appears exactly once; on
 * error `keys` may hold part of the keys and must not be shown.
 */
int redis_scan_keys(struct redis_pool *pool, int db, const char *prefix, size_t prefix_len,
		    struct rv_array *keys);

/*
 * Every key of database `db` that matches the glob `pattern` (SCAN MATCH;
 * NULL: every key), appended to `keys`, sorted bytewise, duplicates removed.
 */
int redis_scan_match(struct redis_pool *pool, int db, const char *pattern, size_t pattern_len,
		     struct rv_array *keys);

/* Whether some key of `db` starts with the prefix (SCAN MATCH, stopping at the first). */
int redis_prefix_exists(struct redis_pool *pool, int db, const char *prefix, size_t prefix_len,
			int *exists);

/* UNLINK every key of `keys`, a thousand per command. Keys already gone are fine. */
int redis_unlink_many(struct redis_pool *pool, int db, const struct rv_array *keys);

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

/* UNLINK key; -ENOENT when it did not exist. */
int redis_unlink(struct redis_pool *pool, int db, const char *key, size_t klen);

/* FLUSHDB ASYNC of database `db`. */
int redis_flush_database(struct redis_pool *pool, int db);

/*
 * Whether a collection holds a member (LPOS, SISMEMBER, ZSCORE, HEXISTS for
 * a hash field): *has is 0 or 1. -EINVAL for other types.
 */
int redis_has_member(struct redis_pool *pool, int db, const char *key, size_t klen,
		     enum rv_type type, const char *member, size_t mlen, int *has);

/*
 * Remove one member from a collection: LREM key 0 (every occurrence), SREM,
 * ZREM or HDEL (the member is the field). -ENOENT when it was not there,
 * -EINVAL for other types.
 */
int redis_remove_member(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, const char *member, size_t mlen);

/*
 * Remove each member of `members` from a collection, as redis_remove_member
 * does, pipelined in rounds of a thousand. Members already gone are fine.
 */
int redis_remove_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			 enum rv_type type, const struct rv_array *members);

#endif
