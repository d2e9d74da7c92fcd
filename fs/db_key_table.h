/* db_key_table.h - (db, key) entries that expire, hashed: what attr_cache and ns_marks keep. */
#ifndef REDISFS_DB_KEY_TABLE_H
#define REDISFS_DB_KEY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * One entry: a key (any bytes) of one database, when it stops being good, and
 * the table's fixed-size payload (what its user keeps of the key). The payload
 * and then the key's bytes follow the header in the same allocation.
 */
struct db_key_entry {
	struct db_key_entry *next;
	struct timespec expires; /* CLOCK_MONOTONIC */
	uint64_t hash;
	int db;
	size_t len;
	max_align_t data[]; /* payload_size bytes, then the key's len bytes */
};

/* Chained buckets; the caller locks. */
struct db_key_table {
	struct db_key_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t payload_size;
};

/* 0 or -ENOMEM. */
int db_key_table_init(struct db_key_table *t, size_t nbuckets, size_t payload_size);
void db_key_table_free(struct db_key_table *t);

/* Drop every entry. */
void db_key_table_clear(struct db_key_table *t);

uint64_t db_key_hash(int db, const char *key, size_t len);

/* The link that points at the entry of (db, key) (or at the NULL ending its bucket). */
struct db_key_entry **db_key_table_find(struct db_key_table *t, uint64_t hash, int db,
					const char *key, size_t len);

/* A new entry, not in the table, good until `expires`; NULL when out of memory. */
struct db_key_entry *db_key_entry_new(const struct db_key_table *t, uint64_t hash, int db,
				      const char *key, size_t len, struct timespec expires);

/* Put the new entry e at *link (from db_key_table_find), replacing the entry there if any. */
void db_key_table_set(struct db_key_table *t, struct db_key_entry **link, struct db_key_entry *e);

/* Take the entry at *link out of the table and free it. */
void db_key_table_remove(struct db_key_table *t, struct db_key_entry **link);

/* Remove every entry of database `db`. */
void db_key_table_remove_db(struct db_key_table *t, int db);

static inline void *db_key_payload(struct db_key_entry *e)
{
	return e->data;
}

/* `seconds` from now, on CLOCK_MONOTONIC. */
struct timespec db_key_deadline(double seconds);

/* Whether `deadline` (db_key_deadline) is still ahead. */
bool db_key_ahead(const struct timespec *deadline);

/* Whether e has not expired yet. */
bool db_key_live(const struct db_key_entry *e);

#endif
