/* attr_cache.c - what stat said of keys, kept for cache_timeout and forgotten on our changes. */
#include "attr_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int attr_cache_init(struct attr_cache *c, double timeout)
{
	int ret;

	memset(c, 0, sizeof *c);
	c->timeout = timeout;
	ret = db_key_table_init(&c->table, 16384, sizeof(struct attr_info));
	if (ret)
		return ret;
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

void attr_cache_free(struct attr_cache *c)
{
	if (!c->table.buckets)
		return;
	db_key_table_free(&c->table);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof *c);
}

bool attr_cache_get(struct attr_cache *c, int db, const char *key, size_t len,
		    struct attr_info *info)
{
	uint64_t hash = db_key_hash(db, key, len);
	struct db_key_entry **link, *e;
	bool hit = false;

	if (c->timeout <= 0)
		return false;
	pthread_mutex_lock(&c->lock);
	link = db_key_table_find(&c->table, hash, db, key, len);
	e = *link;
	if (e && db_key_live(e)) {
		*info = *(struct attr_info *) db_key_payload(e);
		hit = true;
	} else if (e) {
		db_key_table_remove(&c->table, link); /* stale: gone for good */
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
	uint64_t hash = db_key_hash(db, key, len);
	struct db_key_entry *e;

	if (c->timeout <= 0)
		return;
	e = db_key_entry_new(&c->table, hash, db, key, len, db_key_deadline(c->timeout));
	if (!e)
		return; /* a cache may always forget */
	*(struct attr_info *) db_key_payload(e) = *info;
	pthread_mutex_lock(&c->lock);
	if (epoch != UINT64_MAX && epoch != c->epoch) {
		pthread_mutex_unlock(&c->lock);
		free(e);
		return;
	}
	if (c->table.count >= ATTR_CACHE_MAX)
		db_key_table_clear(&c->table);
	db_key_table_set(&c->table, db_key_table_find(&c->table, hash, db, key, len), e);
	pthread_mutex_unlock(&c->lock);
}

void attr_cache_forget(struct attr_cache *c, int db, const char *key, size_t len)
{
	struct db_key_entry **link;

	if (c->timeout <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	link = db_key_table_find(&c->table, db_key_hash(db, key, len), db, key, len);
	if (*link)
		db_key_table_remove(&c->table, link);
	pthread_mutex_unlock(&c->lock);
}

void attr_cache_forget_db(struct attr_cache *c, int db)
{
	if (c->timeout <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	db_key_table_remove_db(&c->table, db);
	pthread_mutex_unlock(&c->lock);
}
