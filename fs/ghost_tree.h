/* ghost_tree.h - the ghosts/ folders of SPEC section 6 as paths: list, stat, read, rm. */
#ifndef REDISFS_GHOST_TREE_H
#define REDISFS_GHOST_TREE_H

#include <sys/stat.h>

#include "../backend/rv.h"
#include "key.h"
#include "paths.h"
#include "render.h"
#include "rfs.h"

/* stat of ghosts/, a rule, a queue folder or a ghost file. 0 or -errno. */
int ghost_tree_getattr(struct rfs *fs, const struct fs_path *p, struct stat *st);

/*
 * The entries of ghosts/ (rules), a rule (queues with ghosts) or a queue
 * (ghosts): their names pushed into `names` with their NULs, and in *type
 * what they are (S_IFDIR or S_IFREG).
 */
int ghost_tree_list(struct rfs *fs, const struct fs_path *p, struct rv_array *names, mode_t *type);

/* A ghost file's content, appended to `text`: its member, or a ghost key's rendered value. */
int ghost_tree_read_member(struct rfs *fs, const struct fs_path *p, struct render_buf *text);

/* The key a ghost key's file (PATH_GHOST_KEY) stands for, allocated. 0 or -errno. */
int ghost_tree_key(struct rfs *fs, const struct fs_path *p, struct rfs_key *k);

/* rm of a ghost member's file: exactly that member leaves its queue (ESTALE if no ghost now). */
int ghost_tree_unlink(struct rfs *fs, const struct fs_path *p);

/*
 * rm of a ghost key's file `p`, which ghost_tree_key resolved into `k`:
 * exactly that key is unlinked (ESTALE if it is no ghost now; tree_unlink
 * keeps its books, as for a key of a database folder).
 */
int ghost_tree_unlink_key(struct rfs *fs, const struct fs_path *p, const struct rfs_key *k);

/* rmdir of ghosts/, a rule or a queue folder: removes nothing; 0, or -ENOTEMPTY while it has
 * ghosts. */
int ghost_tree_rmdir(struct rfs *fs, const struct fs_path *p);

#endif
