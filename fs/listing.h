/* listing.h - a folder's keys as SCAN gives them: each once, pulled as readdir needs them. */
#ifndef REDISFS_LISTING_H
#define REDISFS_LISTING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../backend/rv.h"
#include "names.h"

#define LISTING_WALKING 1 /* listing.state while a walk still has keys to give */

/*
 * Where the rest of a listing's keys come from (dir.c: a SCAN walk,
 * redis_scan.h). next() appends the next batch to `keys` and sets *done
 * after the last; it may wait for Redis (bounded by the timeout) and
 * returns 0 or -errno. ready() says, without blocking, whether next()
 * would return without waiting (NULL: always). close() frees `arg`.
 */
struct listing_walk {
	int (*next)(void *arg, struct rv_array *keys, bool *done);
	bool (*ready)(void *arg);
	void (*close)(void *arg);
	void *arg;
};

/*
 * The keys of a database (or of a namespace folder) in the order SCAN gave
 * them, each once: an index of the keys drops SCAN's repeats as they come,
 * and finds a key for look-ahead lookups. A big database is not walked to
 * the end at once: the listing keeps its walk and pulls the next batch when
 * readdir asks for an entry beyond what has come. readdir reaches the end
 * only once the walk is done, and an error of the walk is an error of
 * readdir: a partial listing never looks complete.
 *
 * Shared by the open folder that took it and, once complete, by lookups that
 * fetch attributes of the keys that follow a looked-up one (dir.h).
 */
struct listing {
	pthread_mutex_t
		lock; /* guards keys, index and state; never held while Redis is waited for */
	pthread_mutex_t walk_lock; /* one pull at a time: held while the walk waits for Redis */
	struct rv_array keys;
	uint64_t *index;   /* open addressing: 0 free, else hash << 32 | the key's position + 1 */
	size_t index_size; /* slots, a power of two, at least twice the keys */
	int state;	   /* LISTING_WALKING, 0 (complete) or -errno (failed: never complete) */

	struct listing_walk walk; /* while LISTING_WALKING; under walk_lock */
	struct rv_array batch;	  /* the walk's last batch, its memory reused; under walk_lock */

	/*
	 * What the mount has done with the keys it showed (SPEC 5: an rmdir
	 * removes keys only when every key of the folder's latest listing is
	 * gone through the mount): bit i of `removed` is key i, one bit a key.
	 */
	uint64_t *removed;    /* under lock; grows with the keys */
	size_t removed_words; /* 64-bit words of `removed` */
	size_t removed_count; /* bits set */
	bool read_to_end;     /* readdir handed out the end of it */

	int db;
	atomic_uint refs;
	struct timespec taken; /* CLOCK_MONOTONIC */
	struct timespec used;  /* the last look-ahead from it; under rfs.recent_lock */
};

/* A new, empty, complete listing of database `db` with one reference. NULL when out of memory. */
struct listing *listing_new(int db);

/* Take one more reference. */
void listing_get(struct listing *l);

/* Drop a reference; the last one frees it, and closes a walk still going. NULL is fine. */
void listing_put(struct listing *l);

/* Add a key unless it is there already. 0 or -ENOMEM. */
int listing_push(struct listing *l, const char *key, size_t len);

/* Make room in the index for `keys` more keys at once (a database's size). 0 or -ENOMEM. */
int listing_reserve(struct listing *l, size_t keys);

/*
 * Hand the listing the walk that gives the rest of its keys: it is
 * LISTING_WALKING from now on, and owns walk->arg (closed once the walk is
 * done or failed, or with the listing).
 */
void listing_walk_from(struct listing *l, const struct listing_walk *walk);

/*
 * Pull one batch from the walk into the listing, repeats dropped. When the
 * walk is done the listing becomes complete; when it fails (or a key cannot
 * be added), failed with that error for good. Returns 0, or that -errno;
 * nothing is asked when the listing is no longer walking: 0 when complete,
 * its error when failed.
 */
int listing_pull(struct listing *l);

/* The position of `key`, or -1. */
long listing_find(struct listing *l, const char *key, size_t len);

/*
 * The file name of key i, without its first `skip` bytes (a namespace folder's
 * prefix), into `buf`, pulling from the walk while it has not got that far.
 * Returns 1, 0 when the listing is complete with fewer keys, or -errno when
 * the walk failed before it got there (again at every later call). Without
 * `wait`, a pull that would wait for Redis is not made: -EAGAIN.
 */
int listing_name(struct listing *l, size_t i, size_t skip, bool wait, char buf[NAMES_MAX + 1]);

/*
 * Pull from the walk until the listing holds `count` keys, or the walk is done
 * or failed (the failure stays in the listing's state, for readdir to report).
 */
void listing_fill(struct listing *l, size_t count);

/* Copy keys first .. first+max-1 that are already there to `out` (empty: none). 0 or -ENOMEM. */
int listing_copy(struct listing *l, size_t first, size_t max, struct rv_array *out);

/* Whether the listing is complete (every key is in it). */
bool listing_complete(struct listing *l);

/* readdir got to the end of the listing: every entry was handed out. */
void listing_mark_read_to_end(struct listing *l);

/*
 * The key was removed through the mount (or found gone when it was to be):
 * remembered when the listing showed it. 0, or -ENOMEM (nothing remembered:
 * an rmdir then finds the folder not emptied, which is the safe side).
 */
int listing_mark_removed(struct listing *l, const char *key, size_t len);

/* How many of the keys it showed were removed through the mount since. */
size_t listing_removed(struct listing *l);

/*
 * Whether the listing was read to its end and every key it showed has been
 * removed through the mount since (listing_mark_removed): the end of an rm -r.
 */
bool listing_emptied(struct listing *l);

#endif
