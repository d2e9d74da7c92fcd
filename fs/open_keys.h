/* open_keys.h - what every descriptor of one key shares while it is open: its bytes and state. */
#ifndef REDISFS_OPEN_KEYS_H
#define REDISFS_OPEN_KEYS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../backend/rv.h"
#include "render.h"

/*
 * An open file is the truth about its own bytes (SPEC 4, 5): while any
 * descriptor of a key is open, every descriptor, stat and lookup of that key
 * on the mount sees one state, this one. Once a writer opens the key its
 * whole content is `text` (loaded), and stays so until the last descriptor
 * is released; Redis gets it in one command at flush.
 *
 * The table's lock guards the chains, `refs`, `db`/`key` (a rename changes
 * them) and `in_table`; `lock` guards the rest. Take the table's lock first.
 */
struct open_key {
	struct open_key *next; /* hash chain */
	pthread_mutex_t lock;
	unsigned refs;	  /* handles that hold it, and lookups in progress */
	unsigned writers; /* handles opened for writing */
	bool in_table;	  /* false once removed or renamed over: a new open gets a new one */
	int db;
	char *key; /* the key's name now: a rename moves it */
	size_t len;
	uint64_t
		ino; /* the kernel's inode for it (table's lock): fstat after rm finds it by that */
	enum rv_type type;
	struct render_buf text;
	bool loaded;	    /* `text` holds the file's whole content */
	bool dirty;	    /* `text` changed since it was last written to Redis */
	bool pending_trunc; /* a collection opened with O_TRUNC, nothing written yet */
	bool unlinked;	    /* removed through the mount: never written back */
	bool refused;	    /* a write brought text that does not parse: never written back */
};

#define OPEN_KEYS_BUCKETS 1024

struct open_keys {
	pthread_mutex_t lock;
	struct open_key *buckets[OPEN_KEYS_BUCKETS];
	struct open_key *removed; /* unlinked or renamed over, still open */
};

void open_keys_init(struct open_keys *t);
void open_keys_destroy(struct open_keys *t);

/*
 * The open key of (db, key), made (not loaded, type RV_NONE) when there is
 * none, with one more reference. 0 or -ENOMEM. Release with open_keys_put().
 */
int open_keys_get(struct open_keys *t, int db, const char *key, size_t len, struct open_key **out);

/* The open key of (db, key) with one more reference, or NULL when the key is not open. */
struct open_key *open_keys_find(struct open_keys *t, int db, const char *key, size_t len);

/* The open key the kernel knows as inode `ino` (removed ones too), referenced, or NULL. */
struct open_key *open_keys_find_ino(struct open_keys *t, uint64_t ino);

/* Record the inode the kernel knows `ok` by (under the table's lock, which the finder holds). */
void open_keys_set_ino(struct open_keys *t, struct open_key *ok, uint64_t ino);

/* Drop a reference; the last one frees it, its text with it. */
void open_keys_put(struct open_keys *t, struct open_key *ok);

/*
 * (db, key) was removed through the mount: its open key, if any, leaves the
 * table and is marked unlinked, so no close writes it back.
 */
void open_keys_unlinked(struct open_keys *t, int db, const char *key, size_t len);

/*
 * (db, key) was renamed to (newdb, newkey): an open key of the target is
 * unlinked (it was replaced), the source's now names the target. 0 or -ENOMEM.
 */
int open_keys_renamed(struct open_keys *t, int db, const char *key, size_t len, int newdb,
		      const char *newkey, size_t newlen);

#endif
