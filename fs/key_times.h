/* key_times.h - mtime per key and per folder: the last change made through the mount (SPEC 4). */
#ifndef REDISFS_KEY_TIMES_H
#define REDISFS_KEY_TIMES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * Redis keeps no modification time. A key's mtime is the time of the last
 * change made to it through the mount, a folder's that of the last entry
 * created, removed or renamed in it; anything without one shows the mount's
 * time. The most recent KEY_TIMES_MAX changes are remembered: an older one
 * is forgotten (its key shows the mount's time again), so memory is bounded
 * whatever is changed.
 */
#define KEY_TIMES_MAX 65536

enum key_time_kind {
	KEY_TIME_KEY,	 /* a key: its bytes */
	KEY_TIME_FOLDER, /* a database ("") or namespace folder: its prefix */
};

struct key_time;

struct key_times {
	pthread_mutex_t lock;
	struct key_time **buckets;
	size_t nbuckets;
	size_t count;
	struct key_time *oldest, *newest; /* changed least and most recently */
};

/* 0 or -ENOMEM. */
int key_times_init(struct key_times *t);
void key_times_free(struct key_times *t);

/* Record `when` as the time of (db, kind, bytes); the oldest record goes when the table is full. */
void key_times_set(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		   size_t len, const struct timespec *when);

/* Whether a time is recorded for (db, kind, bytes); if so *when gets it. */
bool key_times_get(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		   size_t len, struct timespec *when);

/* Forget the time of (db, kind, bytes): a removed key shows the mount's time when made again. */
void key_times_forget(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		      size_t len);

#endif
