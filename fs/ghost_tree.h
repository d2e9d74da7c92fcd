/* ghost_tree.h - the ghosts/ folders of SPEC section 6 as paths: list, stat, read, rm. */
#ifndef REDISFS_GHOST_TREE_H
#define REDISFS_GHOST_TREE_H

#include <sys/stat.h>

#include "dir.h"
#include "paths.h"
#include "render.h"
#include "rfs.h"
#include "tree.h"

/*
 * Turn a path that tree_parse read as ghosts/RULE/QUEUE of a kind = keys
 * rule into PATH_GHOST_KEY (its key's file name in `member`); a deeper one
 * there does not exist (-ENOENT). Other paths stay as they are. 0 or -errno.
 */
int ghost_tree_refine(struct rfs *fs, struct fs_path *p);

/* stat of ghosts/, a rule, a queue folder or a ghost file. 0 or -errno. */
int ghost_tree_getattr(struct rfs *fs, const struct fs_path *p, struct stat *st);

/* The entries of ghosts/ (rules), a rule (queues with ghosts) or a queue (ghosts). */
int ghost_tree_list(struct rfs *fs, const struct fs_path *p, struct tree_dir *dir);

/* A ghost file's content, appended to `text`: its member, or a ghost key's rendered value. */
int ghost_tree_read_member(struct rfs *fs, const struct fs_path *p, struct render_buf *text);

/*
 * rm of a ghost file: exactly that member leaves its queue, or exactly that
 * key is unlinked (ESTALE if it is no ghost now).
 */
int ghost_tree_unlink(struct rfs *fs, const struct fs_path *p);

/* rmdir of ghosts/, a rule or a queue folder: removes nothing; 0, or -ENOTEMPTY while it has
 * ghosts. */
int ghost_tree_rmdir(struct rfs *fs, const struct fs_path *p);

#endif
