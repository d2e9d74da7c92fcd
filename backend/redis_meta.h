/* redis_meta.h - what Redis knows about a key besides its value: type, TTL, length, encoding. */
#ifndef REDISFS_REDIS_META_H
#define REDISFS_REDIS_META_H

#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * Every function returns 0 or -errno: -ENOENT when the key does not exist,
 * -EROFS for a write (EXPIRE, PERSIST) on a read-only pool (nothing is sent:
 * neither is on the allow-list of redis_conn.c), -EIO when the server is
 * gone or answers something unexpected. Keys are (pointer, length): binary-safe.
 */

/* Room for a TYPE or OBJECT ENCODING word: Redis's are short, module type names 9 bytes. */
#define REDIS_META_WORD_MAX 64

/*
 * TYPE key, the word as Redis says it ("string", ..., or a module's type
 * name), NUL-terminated into `word` (REDIS_META_WORD_MAX bytes). -ENOENT for
 * "none"; -EIO for a word that does not fit.
 */
int redis_meta_type(struct redis_pool *pool, int db, const char *key, size_t klen, char *word);

/* TTL key: seconds left, rounded as Redis rounds them, or -1 for a key without one. */
int redis_meta_ttl(struct redis_pool *pool, int db, const char *key, size_t klen,
		   long long *seconds);

/* EXPIRE key seconds. -EINVAL for seconds < 1 (EXPIRE 0 would remove the key). */
int redis_meta_expire(struct redis_pool *pool, int db, const char *key, size_t klen,
		      long long seconds);

/* PERSIST key: the key no longer expires. 0 also when it had no TTL. */
int redis_meta_persist(struct redis_pool *pool, int db, const char *key, size_t klen);

/*
 * The length of a key of a known type: STRLEN, LLEN, SCARD, ZCARD, HLEN or
 * XLEN. -ENODATA for a type without one (a module type); -ENOENT when the
 * key is gone (these commands answer 0 for a missing key, so EXISTS goes
 * along in the same round trip); -EIO when it changed type meanwhile.
 */
int redis_meta_length(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, long long *length);

/* OBJECT ENCODING key, NUL-terminated into `word` (REDIS_META_WORD_MAX bytes). */
int redis_meta_encoding(struct redis_pool *pool, int db, const char *key, size_t klen, char *word);

/*
 * MEMORY USAGE key in bytes, with the server's default sampling of nested
 * values: SAMPLES 0 would walk a huge collection and block the server.
 */
int redis_meta_memory(struct redis_pool *pool, int db, const char *key, size_t klen,
		      long long *bytes);

#endif
