/* tree.h - what each path of the mount is and does: the logic behind the FUSE callbacks. */
#ifndef REDISFS_TREE_H
#define REDISFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../backend/rv.h"
#include "paths.h"
#include "render.h"
#include "rfs.h"

/*
 * Every function returns 0 or -errno (SPEC section 5): -ENOENT for a name
 * that is not the canonical name of an existing key, -EROFS for a change on
 * a read-only mount, -EIO when Redis is unreachable or two keys share one
 * shortened name.
 */

/* Parse a path of this mount (paths_parse with the mount's databases and rules). */
int tree_parse(struct rfs *fs, const char *path, struct fs_path *p);

/* A key resolved from a file name. The key is allocated; tree_key_free() frees it. */
struct tree_key {
	int db;
	char *key;
	size_t len;
};

void tree_key_free(struct tree_key *k);

/* Fetch a key's value of type `type` and append its SPEC 4 text to `text`. */
int tree_render_key(struct rfs *fs, const struct tree_key *k, enum rv_type type,
		    struct render_buf *text);

/*
 * Resolve a file name in database `db` to exactly one key: the name read
 * literally, or, for a shortened name, the one key whose name it is.
 * Existence of a literal key is not checked (the caller's TYPE does that);
 * a shortened name is checked against the keys that exist.
 */
int tree_resolve(struct rfs *fs, int db, const char *name, struct tree_key *out);

/* Fill `st` for a folder, or for a file of `size` bytes and permission bits `perm`. */
void tree_stat_dir(struct rfs *fs, struct stat *st);
void tree_stat_file(struct rfs *fs, struct stat *st, size_t size, mode_t perm);

/* The bytes of a key changed through the mount: its mtime and ctime are now. */
void tree_key_changed(struct rfs *fs, int db, const char *key, size_t len);

/*
 * A key was made, or `removed`, through the mount: its time, and that of the
 * folder it shows in (its database, or its namespace), are now.
 */
void tree_entry_changed(struct rfs *fs, int db, const char *key, size_t len, bool removed);

/* An entry of the folder of database `db` and `prefix` ("" for the database) came or went. */
void tree_folder_changed(struct rfs *fs, int db, const char *prefix, size_t len);

/*
 * stat of every key of a batch (one database), in three pipelined round
 * trips: st[i] is filled where status[i] is 0; status[i] is -ENOENT for a
 * key that does not exist. Returns 0 or -errno for the batch as a whole.
 */
struct redis_batch;
int tree_stat_keys(struct rfs *fs, const struct redis_batch *b, struct stat *st, int *status);

/*
 * stat of up to `max` keys of a listing from index `first` on, of those it
 * holds already (see tree_stat_keys); *got says how many.
 */
struct listing;
int tree_stat_listed(struct rfs *fs, struct listing *l, size_t first, size_t max, struct stat *st,
		     int *status, size_t *got);

/*
 * stat of an open key whose bytes a descriptor holds (nlink 0 once removed):
 * -ENOENT when none does, and Redis is the truth.
 */
struct open_key;
int tree_stat_open_key(struct rfs *fs, struct open_key *ok, struct stat *st);

/* stat of inode `ino` whose name is gone (rm, mv over it) while a descriptor holds its bytes. */
int tree_getattr_removed(struct rfs *fs, uint64_t ino, struct stat *st);

/*
 * stat of key `k` as its database folder shows it: an open descriptor's
 * bytes, else the attribute cache, the recent listing, or Redis.
 */
int tree_stat_key(struct rfs *fs, const struct tree_key *k, struct stat *st);

/* Forget what the attribute cache knows of a key: it was just changed through the mount. */
void tree_forget(struct rfs *fs, int db, const char *key, size_t len);

/* stat(2) of a path: folders 0755, files 0644 (0444 for streams and on ro mounts). */
int tree_getattr(struct rfs *fs, const char *path, struct stat *st);

/* rm: UNLINK of the key. */
int tree_unlink(struct rfs *fs, const char *path);

/*
 * rmdir of a database, namespace or ghost folder (SPEC 5): keys are removed
 * only at the end of an rm -r (emptying.h), otherwise a folder that holds
 * keys is ENOTEMPTY; a ghost folder removes no member (ENOTEMPTY while it
 * has ghosts). A database folder stays.
 */
int tree_rmdir(struct rfs *fs, const char *path);

/* Changes that are not (yet) possible: EROFS on a ro mount, else `err`. */
int tree_refuse_change(struct rfs *fs, const char *path, int err);

#endif
