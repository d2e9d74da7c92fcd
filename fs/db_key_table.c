/* db_key_table.c - (db, key) entries that expire, hashed: what attr_cache and ns_marks keep. */
#include "db_key_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

int db_key_table_init(struct db_key_table *t, size_t nbuckets, size_t payload_size)
{
	memset(t, 0, sizeof *t);
	t->buckets = calloc(nbuckets, sizeof *t->buckets);
	if (!t->buckets)
		return -ENOMEM;
	t->nbuckets = nbuckets;
	t->payload_size = payload_size;
	return 0;
}

void db_key_table_clear(struct db_key_table *t)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		while (t->buckets[b]) {
			struct db_key_entry *e = t->buckets[b];

			t->buckets[b] = e->next;
			free(e);
		}
	}
	t->count = 0;
}

void db_key_table_free(struct db_key_table *t)
{
	if (!t->buckets)
		return;
	db_key_table_clear(t);
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

uint64_t db_key_hash(int db, const char *key, size_t len)
{
	return names_hash(key, len) ^ ((uint64_t) db * 0x9E3779B97F4A7C15ULL);
}

static const char *key_of(const struct db_key_table *t, const struct db_key_entry *e)
{
	return (const char *) e->data + t->payload_size;
}

struct db_key_entry **db_key_table_find(struct db_key_table *t, uint64_t hash, int db,
					const char *key, size_t len)
{
	struct db_key_entry **link = &t->buckets[hash % t->nbuckets];

	for (; *link; link = &(*link)->next) {
		struct db_key_entry *e = *link;

		if (e->hash == hash && e->db == db && e->len == len &&
		    !memcmp(key_of(t, e), key, len))
			break;
	}
	return link;
}

struct db_key_entry *db_key_entry_new(const struct db_key_table *t, uint64_t hash, int db,
				      const char *key, size_t len, struct timespec expires)
{
	struct db_key_entry *e = malloc(sizeof *e + t->payload_size + (len ? len : 1));

	if (!e)
		return NULL;
	e->next = NULL;
	e->expires = expires;
	e->hash = hash;
	e->db = db;
	e->len = len;
	memcpy((char *) e->data + t->payload_size, key, len);
	return e;
}

void db_key_table_set(struct db_key_table *t, struct db_key_entry **link, struct db_key_entry *e)
{
	if (*link) {
		e->next = (*link)->next;
		free(*link);
	} else {
		e->next = NULL;
		t->count++;
	}
	*link = e;
}

void db_key_table_remove(struct db_key_table *t, struct db_key_entry **link)
{
	struct db_key_entry *e = *link;

	*link = e->next;
	free(e);
	t->count--;
}

void db_key_table_remove_db(struct db_key_table *t, int db)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct db_key_entry **link = &t->buckets[b];

		while (*link) {
			if ((*link)->db == db)
				db_key_table_remove(t, link);
			else
				link = &(*link)->next;
		}
	}
}

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

struct timespec db_key_deadline(double seconds)
{
	struct timespec t = now();
	double whole = (double) (time_t) seconds;

	t.tv_sec += (time_t) whole;
	t.tv_nsec += (long) ((seconds - whole) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool db_key_ahead(const struct timespec *deadline)
{
	struct timespec t = now();

	return t.tv_sec < deadline->tv_sec ||
	       (t.tv_sec == deadline->tv_sec && t.tv_nsec < deadline->tv_nsec);
}

bool db_key_live(const struct db_key_entry *e)
{
	return db_key_ahead(&e->expires);
}
