/* redis_remove.h - the commands that remove keys and members, in bounded rounds. */
#ifndef REDISFS_REDIS_REMOVE_H
#define REDISFS_REDIS_REMOVE_H

#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno: -EROFS for a write on a read-only
 * pool (nothing is sent), -EIO when the server is gone or timed out, and
 * the errno of redis_errors.c for server errors.
 */

/* UNLINK key; -ENOENT when it did not exist. */
int redis_unlink(struct redis_pool *pool, int db, const char *key, size_t klen);

/* UNLINK every key of `keys`, a thousand per command. Keys already gone are fine. */
int redis_unlink_many(struct redis_pool *pool, int db, const struct rv_array *keys);

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
