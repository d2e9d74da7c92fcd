/* redis_keyspace.h - a database's keys as a whole: databases, SCAN listings, FLUSHDB. */
#ifndef REDISFS_REDIS_KEYSPACE_H
#define REDISFS_REDIS_KEYSPACE_H

#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno: -EROFS for a write on a read-only
 * pool (nothing is sent), -EIO when the server is gone or timed out, and
 * the errno of redis_errors.c for server errors.
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

/* FLUSHDB ASYNC of database `db`. */
int redis_flush_database(struct redis_pool *pool, int db);

#endif
