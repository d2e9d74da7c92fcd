/* attr_cache.h - what stat said of keys, kept for cache_timeout and forgotten on our changes. */
#ifndef REDISFS_ATTR_CACHE_H
#define REDISFS_ATTR_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../backend/rv.h"
#include "db_key_table.h"

#define ATTR_CACHE_MAX 65536 /* entries; past it the cache starts over (bounded memory) */

/* One key's attributes: its type and file size, or that it does not exist. */
struct attr_info {
	int status; /* 0, or -ENOENT */
	enum rv_type type;
	size_t size;
};

struct attr_cache {
	pthread_mutex_t lock;
	struct db_key_table table; /* payload: struct attr_info */
	uint64_t epoch;		   /* counts forgets: an answer fetched before one is not kept */
	double timeout;		   /* seconds an entry is good for (cache_timeout) */
};

/* 0 or -ENOMEM. A timeout of 0 makes a cache that keeps nothing. */
int attr_cache_init(struct attr_cache *c, double timeout);
void attr_cache_free(struct attr_cache *c);

/* Whether a fresh entry for the key exists; if so *info gets it. */
bool attr_cache_get(struct attr_cache *c, int db, const char *key, size_t len,
		    struct attr_info *info);

/* Remember a key's attributes (replacing an older entry). */
void attr_cache_put(struct attr_cache *c, int db, const char *key, size_t len,
		    const struct attr_info *info);

/* The count of forgets so far: take it before fetching attributes for attr_cache_put_since(). */
uint64_t attr_cache_epoch(struct attr_cache *c);

/*
 * attr_cache_put, unless something was forgotten since `epoch`: the answer
 * may be older than a change made through the mount, and must not hide it.
 */
void attr_cache_put_since(struct attr_cache *c, uint64_t epoch, int db, const char *key, size_t len,
			  const struct attr_info *info);

/* Forget one key: a change made through the mount must show at once. */
void attr_cache_forget(struct attr_cache *c, int db, const char *key, size_t len);

/* Forget every key of a database (FLUSHDB). */
void attr_cache_forget_db(struct attr_cache *c, int db);

#endif
