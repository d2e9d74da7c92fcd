/* tree.h - what each path of the mount is and does: the logic behind the FUSE callbacks. */
#ifndef REDISFS_TREE_H
#define REDISFS_TREE_H

#include <stddef.h>
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

/* Record a change made through the mount: mtime of everything moves on. */
void tree_mark_changed(struct rfs *fs);

/* stat(2) of a path: folders 0755, files 0644 (0444 for streams and on ro mounts). */
int tree_getattr(struct rfs *fs, const char *path, struct stat *st);

/* A folder's entries, taken once at opendir (a snapshot, so offsets stay stable). */
struct tree_dir {
	struct rv_array names;	/* entry names, after "." and ".." */
	mode_t type;		/* S_IFDIR for the root's entries, else S_IFREG */
};

/* Push a name with its NUL, so a listing can hand entries out as they are. 0 or -ENOMEM. */
int tree_push_name(struct rv_array *names, const char *name);

int tree_opendir(struct rfs *fs, const char *path, struct tree_dir **out);
void tree_closedir(struct tree_dir *dir);

/* rm: UNLINK of the key. */
int tree_unlink(struct rfs *fs, const char *path);

/* rmdir of a database folder: FLUSHDB ASYNC; the folder stays. */
int tree_rmdir(struct rfs *fs, const char *path);

/* Changes that are not (yet) possible: EROFS on a ro mount, else `err`. */
int tree_refuse_change(struct rfs *fs, const char *path, int err);

#endif
