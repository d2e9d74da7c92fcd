/* attr_cache.c - what stat said of keys, kept for cache_timeout and forgotten on our changes. */
#include "attr_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

struct attr_entry {
	struct attr_entry *next;
	struct timespec expires; /* CLOCK_MONOTONIC */
	struct attr_info info;
	uint64_t hash;
	int db;
	size_t len;
	char key[]; /* len bytes */
};

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static bool before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

int attr_cache_init(struct attr_cache *c, double timeout)
{
	memset(c, 0, sizeof *c);
	c->timeout = timeout;
	c->nbuckets = 16384;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->buckets)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

/* Drop every entry; under the lock. */
static void clear(struct attr_cache *c)
{
	for (size_t b = 0; b < c->nbuckets; b++) {
		while (c->buckets[b]) {
			struct attr_entry *e = c->buckets[b];

			c->buckets[b] = e->next;
			free(e);
		}
	}
	c->count = 0;
}

void attr_cache_free(struct attr_cache *c)
{
	if (!c->buckets)
		return;
	clear(c);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof *c);
}

static uint64_t key_hash(int db, const char *key, size_t len)
{
	return names_hash(key, len) ^ ((uint64_t) db * 0x9E3779B97F4A7C15ULL);
}

/* The link that points at the key's entry (or at the NULL ending its bucket). */
static struct attr_entry **find(struct attr_cache *c, uint64_t hash, int db, const char *key,
				size_t len)
{
	struct attr_entry **link = &c->buckets[hash % c->nbuckets];

	for (; *link; link = &(*link)->next) {
		struct attr_entry *e = *link;

		if (e->hash == hash && e->db == db && e->len == len && !memcmp(e->key, key, len))
			break;
	}
	return link;
}

bool attr_cache_get(struct attr_cache *c, int db, const char *key, size_t len,
		    struct attr_info *info)
{
	uint64_t hash = key_hash(db, key, len);
	struct attr_entry **link, *e;
	bool hit = false;

	if (c->timeout <= 0)
		return false;
	pthread_mutex_lock(&c->lock);
	link = find(c, hash, db, key, len);
	e = *link;
	if (e && before(now(), e->expires)) {
		*info = e->info;
		hit = true;
	} else if (e) {
		*link = e->next; /* stale: gone for good */
		free(e);
		c->count--;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

uint64_t attr_cache_epoch(struct attr_cache *c)
{
	uint64_t epoch;

	pthread_mutex_lock(&c->lock);
	epoch = c->epoch;
	pthread_mutex_unlock(&c->lock);
	return epoch;
}

void attr_cache_put(struct attr_cache *c, int db, const char *key, size_t len,
		    const struct attr_info *info)
{
	attr_cache_put_since(c, UINT64_MAX, db, key, len, info);
}

void attr_cache_put_since(struct attr_cache *c, uint64_t epoch, int db, const char *key, size_t len,
			  const struct attr_info *info)
{
	uint64_t hash = key_hash(db, key, len);
	struct attr_entry **link, *e;
	struct timespec expires = now();
	double whole = (double) (time_t) c->timeout;

	if (c->timeout <= 0)
		return;
	expires.tv_sec += (time_t) whole;
	expires.tv_nsec += (long) ((c->timeout - whole) * 1e9);
	if (expires.tv_nsec >= 1000000000L) {
		expires.tv_sec++;
		expires.tv_nsec -= 1000000000L;
	}
	e = malloc(sizeof *e + (len ? len : 1));
	if (!e)
		return; /* a cache may always forget */
	e->hash = hash;
	e->db = db;
	e->len = len;
	memcpy(e->key, key, len);
	e->info = *info;
	e->expires = expires;
	pthread_mutex_lock(&c->lock);
	if (epoch != UINT64_MAX && epoch != c->epoch) {
		pthread_mutex_unlock(&c->lock);
		free(e);
		return;
	}
	if (c->count >= ATTR_CACHE_MAX)
		clear(c);
	link = find(c, hash, db, key, len);
	if (*link) {
		e->next = (*link)->next;
		free(*link);
		*link = e;
	} else {
		e->next = NULL;
		*link = e;
		c->count++;
	}
	pthread_mutex_unlock(&c->lock);
}

void attr_cache_forget(struct attr_cache *c, int db, const char *key, size_t len)
{
	uint64_t hash = key_hash(db, key, len);
	struct attr_entry **link, *e;

	if (c->timeout <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	link = find(c, hash, db, key, len);
	e = *link;
	if (e) {
		*link = e->next;
		free(e);
		c->count--;
	}
	pthread_mutex_unlock(&c->lock);
}

void attr_cache_forget_db(struct attr_cache *c, int db)
{
	if (c->timeout <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	for (size_t b = 0; b < c->nbuckets; b++) {
		struct attr_entry **link = &c->buckets[b];

		while (*link) {
			struct attr_entry *e = *link;

			if (e->db == db) {
				*link = e->next;
				free(e);
				c->count--;
			} else {
				link = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
}
