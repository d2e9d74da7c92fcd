/* listing.h - a folder's keys as SCAN gives them: each once, served while the scan goes on. */
#ifndef REDISFS_LISTING_H
#define REDISFS_LISTING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../backend/redis_scan.h"
#include "../backend/rv.h"
#include "names.h"

#define LISTING_SCANNING 1 /* listing.state while keys are still coming */

/*
 * SCAN replies that may wait for a reader before the scan thread adds them
 * itself: a slow reader (ls -l) does not make the raw replies pile up.
 */
#define LISTING_PENDING_MAX 16

struct listing_batch;

/*
 * The keys of a database (or of a namespace folder) in the order SCAN gave
 * them, each once: an index of the keys drops SCAN's repeats as they come, and
 * finds a key for look-ahead lookups. A big database is scanned by a thread of
 * its own while readdir hands out the keys already found; readdir reaches the
 * end only once the scan is complete, and an error of the scan is an error of
 * readdir: a partial listing never looks complete.
 *
 * Shared by the open folder that took it and, once complete, by lookups that
 * fetch attributes of the keys that follow a looked-up one (dir.h).
 */
struct listing {
	pthread_mutex_t lock; /* guards keys, index and state while a scan fills them */
	pthread_cond_t grown; /* keys were added, or the scan ended */
	struct rv_array keys;
	uint64_t *index;   /* open addressing: 0 free, else hash << 32 | the key's position + 1 */
	size_t index_size; /* slots, a power of two, at least twice the keys */
	int state;	   /* LISTING_SCANNING, 0 (complete) or -errno (failed) */

	/*
	 * SCAN's replies not yet in `keys`: the scan thread only queues them, so
	 * that it asks for the next one at once, and whoever reads next (readdir,
	 * on the other core) adds them, repeats dropped.
	 */
	struct listing_batch *pending, **pending_tail;
	size_t pending_count;
	atomic_bool cancel; /* the folder was closed early: the scan may stop */
	double patience;    /* seconds a reader waits for a scan that shows no progress */

	int db;
	atomic_uint refs;
	struct timespec taken; /* CLOCK_MONOTONIC */
	struct timespec used;  /* the last look-ahead from it; under rfs.recent_lock */
};

/*
 * The scan threads running, so that teardown can wait for them before the
 * connections they use are closed.
 */
struct listing_scans {
	struct redis_pool *pool;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned running;
};

/* A new, empty listing of database `db` with one reference, complete until a scan starts. */
struct listing *listing_new(int db, double patience);

/* Take one more reference. */
void listing_get(struct listing *l);

/* Drop a reference; the last one frees it. NULL is fine. */
void listing_put(struct listing *l);

/* Add a key unless it is there already. 0 or -ENOMEM. */
int listing_push(struct listing *l, const char *key, size_t len);

/* Make room in the index for `keys` more keys at once (a database's size). 0 or -ENOMEM. */
int listing_reserve(struct listing *l, size_t keys);

/*
 * One SCAN call of `scan`, its keys added (repeats dropped); *done after the
 * last. 0 or -errno (the listing is then incomplete).
 */
int listing_scan_step(struct listing *l, struct redis_scan *scan, bool *done);

/*
 * Mark the listing complete (0: the keys still queued are added first) or
 * failed (-errno), and wake its readers. Returns the state it ends in.
 */
int listing_finish(struct listing *l, int state);

/* The position of `key`, or -1. */
long listing_find(struct listing *l, const char *key, size_t len);

/*
 * The file name of key i, without its first `skip` bytes (a namespace folder's
 * prefix), into `buf`, waiting while the scan has not got that far. Returns 1,
 * 0 when the listing is complete with fewer keys, or -errno when the scan
 * failed (or made no progress for `patience` seconds: -EIO).
 */
int listing_name(struct listing *l, size_t i, size_t skip, char buf[NAMES_MAX + 1]);

/* Copy keys first .. first+max-1 that are already there to `out` (empty: none). 0 or -ENOMEM. */
int listing_copy(struct listing *l, size_t first, size_t max, struct rv_array *out);

/* Whether the listing is complete (every key is in it). */
bool listing_complete(struct listing *l);

/* Tell a running scan that nobody will read on: it may stop. */
void listing_cancel(struct listing *l);

void listing_scans_init(struct listing_scans *scans, struct redis_pool *pool);

/* Wait until no scan thread runs (each stops within one command's timeout). */
void listing_scans_wait(struct listing_scans *scans);

/*
 * Go on with `scan` in a thread of its own, filling `l` (which it holds a
 * reference of) until the walk ends, fails or is cancelled; `done(arg, l)` is
 * called when it ends complete. On success the thread owns `scan`; 0, or
 * -errno when no thread could be made (the caller keeps `scan`, `l` is unchanged).
 */
int listing_scan_start(struct listing_scans *scans, struct listing *l, struct redis_scan *scan,
		       void (*done)(void *arg, struct listing *l), void *arg);

#endif
