/* redis_write.h - the commands that change keys: strings, whole collections, renames. */
#ifndef REDISFS_REDIS_WRITE_H
#define REDISFS_REDIS_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno; a read-only pool refuses each with
 * -EROFS before anything is sent (redis_conn.c's allow-list).
 */

/* PTTL key: milliseconds left, -1 for no TTL; -ENOENT when the key is missing. */
int redis_pttl(struct redis_pool *pool, int db, const char *key, size_t klen, long long *pttl);

/* SET key "" NX: a new empty string. *created is 0 when the key already existed. */
int redis_create_string(struct redis_pool *pool, int db, const char *key, size_t klen,
			int *created);

/* SET key value KEEPTTL: the string's bytes replaced, its TTL kept. */
int redis_write_string(struct redis_pool *pool, int db, const char *key, size_t klen,
		       const char *value, size_t len);

/*
 * Replace a key by the list, set, zset or hash `v` (rv.h layout) in one
 * MULTI/EXEC: UNLINK, RPUSH/SADD/ZADD/HSET in rounds of a thousand, then
 * PEXPIRE `pttl` when it is positive (the TTL the key had). A value with no
 * items just removes the key (Redis has no empty collections).
 */
int redis_write_collection(struct redis_pool *pool, int db, const char *key, size_t klen,
			   const struct rv_value *v, long long pttl);

/*
 * RENAME from to (RENAMENX when `noreplace`: -EEXIST if `to` exists), then
 * PEXPIRE `pttl` on `to` when it is positive, in one MULTI/EXEC. In a Redis
 * Cluster, between keys of two slots: DUMP and PTTL of `from`, RESTORE on
 * `to`'s master (REPLACE unless `noreplace`) with `from`'s TTL, else `pttl`,
 * then UNLINK `from`; a failure in between leaves both keys.
 */
int redis_rename(struct redis_pool *pool, int db, const char *from, size_t flen, const char *to,
		 size_t tlen, bool noreplace, long long pttl);

/*
 * Move a key to another database under a name, replacing what is there, as
 * rename(2) does: COPY from to DB to_db REPLACE and UNLINK from in one
 * MULTI/EXEC (with `noreplace`: no REPLACE, -EEXIST when the target exists).
 */
int redis_move(struct redis_pool *pool, int db, const char *from, size_t flen, int to_db,
	       const char *to, size_t tlen, bool noreplace);

#endif
