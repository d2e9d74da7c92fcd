/* stats.h - stat(2) answers: folders, files, and keys one at a time or in batches. */
#ifndef REDISFS_STATS_H
#define REDISFS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "key.h"
#include "listing.h"
#include "rfs.h"

/* Fill `st` for a folder, or for a file of `size` bytes and permission bits `perm`. */
void stats_dir(struct rfs *fs, struct stat *st);
void stats_file(struct rfs *fs, struct stat *st, size_t size, mode_t perm);

/* A database (prefix "") or namespace folder: its time is that of its last entry made or gone. */
void stats_folder(struct rfs *fs, int db, const char *prefix, size_t len, struct stat *st);

/*
 * stat of every key of a batch (one database), in three pipelined round
 * trips: st[i] is filled where status[i] is 0; status[i] is -ENOENT for a
 * key that does not exist. Returns 0 or -errno for the batch as a whole.
 * With `cache`, the answers also go into the attribute cache for the lookups
 * to come; a readdirplus batch goes without: the kernel keeps its answers for
 * cache_timeout from its reply, longer than the cache would from the fetch.
 */
struct redis_batch;
int stats_keys(struct rfs *fs, const struct redis_batch *b, struct stat *st, int *status,
	       bool cache);

/*
 * stat of up to `max` keys of a listing from index `first` on, of those it
 * holds already (see stats_keys); *got says how many.
 */
int stats_listed(struct rfs *fs, struct listing *l, size_t first, size_t max, struct stat *st,
		 int *status, size_t *got, bool cache);

/*
 * stat of one key: what an open descriptor holds, else the attribute cache's,
 * else fetched with the keys that follow it in its database's recent listing.
 * 0, -ENOENT, or -errno.
 */
int stats_key(struct rfs *fs, const struct rfs_key *k, struct stat *st);

/*
 * stat of an open key whose bytes a descriptor holds (nlink 0 once removed):
 * -ENOENT when none does, and Redis is the truth.
 */
struct open_key;
int stats_open_key(struct rfs *fs, struct open_key *ok, struct stat *st);

/* stat of inode `ino` whose name is gone (rm, mv over it) while a descriptor holds its bytes. */
int stats_removed(struct rfs *fs, uint64_t ino, struct stat *st);

#endif
