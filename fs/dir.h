/* dir.h - folder listings: one per opendir, served as readdir asks; attributes for readdirplus. */
#ifndef REDISFS_DIR_H
#define REDISFS_DIR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "../backend/rv.h"
#include "handles.h"
#include "listing.h"
#include "names.h"
#include "node.h"
#include "rfs.h"

/*
 * Keys whose attributes one readdirplus batch fetches: a READDIRPLUS of 32 KiB
 * (about 200 entries; stats.c DIR_BLOCK_SIZE) in one batch, so two round trips for
 * strings instead of four (getdents of ls -l of 100,000 keys: 0.74 s to 0.57 s).
 */
#define DIR_STAT_BATCH 256

/*
 * A folder's entries, in an order fixed at opendir, so that offsets stay
 * stable. A database folder keeps its keys (names are made as entries are
 * handed out: one copy of a million keys, not two), and those of a big one
 * come as readdir asks for them; other folders keep their names.
 */
struct dir_handle {
	struct handle_link open; /* in rfs.open_dirs from opendir to releasedir */
	struct rfs *fs;
	struct rv_array names;	 /* NUL-terminated names of entries of type `type`, first */
	struct listing *listing; /* then files, one per key: a database or namespace folder */
	size_t prefix_len;	 /* bytes of each key that the folder's path stands for */
	mode_t type;		 /* what the entries of `names` are: S_IFDIR or S_IFREG */
	bool remembered;	 /* the listing, complete, is its database's recent one */

	/*
	 * Attributes for readdirplus, of keys[first .. first + count) of the
	 * listing: the batch in use (stat[stat_cur]) and the one fetched ahead of
	 * it after a reply. `lock` holds a reply and the fetch after it
	 * (dir_reply_begin .. dir_reply_end), so the next reply waits for it and
	 * releasedir does not free it under it.
	 */
	pthread_mutex_t lock;
	int stat_cur;
	struct dir_stats {
		size_t first, count;
		uint64_t changes;      /* rfs.changes when fetched: a change since drops it */
		struct timespec until; /* CLOCK_MONOTONIC: fetched + cache_timeout */
		struct stat stats[DIR_STAT_BATCH];
		int status[DIR_STAT_BATCH];
	} stat[2];
};

/*
 * Open the folder of node `n` (names filled): 0, -ENOTDIR, -ENOENT, -EIO. A database folder
 * of one server has its first SCAN answered here and the rest pulled by
 * dir_entry(); every other folder is listed whole here.
 */
int dir_open(struct rfs *fs, const struct rfs_node *n, struct dir_handle **out);

/* Release a folder (its listing stays while it is the recent one of its database). */
void dir_close(struct rfs *fs, struct dir_handle *dir);

/*
 * Entry i (without "." and ".."): its name (`buf` holds it when it has to be
 * made) and type (S_IFDIR or S_IFREG). Returns 1; 0 past the last entry,
 * only once the folder's walk is complete; or -errno when the walk failed
 * before it got that far (-EIO), at this and every later call. Entry i
 * beyond the keys that have come pulls the next batches from the walk,
 * waiting for Redis (within the timeout); without `wait`, when the next
 * batch has not begun to arrive, -EAGAIN instead: a readdir that has
 * entries to hand out hands them out, and the kernel and the server then
 * work at once (the kernel asks for up to a megabyte of entries at a time).
 */
int dir_entry(struct dir_handle *dir, size_t i, bool wait, char buf[NAMES_MAX + 1],
	      const char **name, mode_t *type);

/*
 * A reply (readdir or readdirplus) on `dir` begins: it has the folder to
 * itself until dir_reply_end. Attributes fetched before a change made
 * through the mount since, or longer than cache_timeout ago, are dropped
 * here: a reply never hands out what a reply without the fetch ahead would
 * not have.
 */
void dir_reply_begin(struct rfs *fs, struct dir_handle *dir);

/*
 * Entry i's attributes for readdirplus (between dir_reply_begin and _end),
 * fetched for a batch of entries from i on at the first ask, unless the
 * batch fetched ahead holds them. Returns 0, or -errno when there are none
 * to give (the entry is then handed out without them, and the kernel looks
 * it up).
 */
int dir_stat(struct rfs *fs, struct dir_handle *dir, size_t i, struct stat *st);

/*
 * After the reply that handed out entries up to (not including) entry
 * `next`, `served` of them with attributes: when a next reply of as many
 * would run past the batch in use, fetch the following batch (and its keys'
 * SCAN) now, while the kernel and ls work on this reply, so that the next
 * READDIRPLUS finds it instead of waiting for Redis. Then the reply ends.
 */
void dir_reply_end(struct rfs *fs, struct dir_handle *dir, size_t next, size_t served);

#endif
