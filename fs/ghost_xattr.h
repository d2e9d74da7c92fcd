/* ghost_xattr.h - a ghost rule folder's user.ghosts.* attributes: the dry run of SPEC 6. */
#ifndef REDISFS_GHOST_XATTR_H
#define REDISFS_GHOST_XATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "node.h"
#include "paths.h"
#include "rfs.h"

#define GHOST_XATTR_PREFIX "user.ghosts."

/*
 * getxattr of a rule folder (ghosts/RULE): user.ghosts.table, .column (the
 * column and its SQL type, "id int(11)"), .count (ghost files now) and
 * .skipped (members not checked: their ID cannot be in the column). As
 * xattr_get(): the length, -ERANGE, -ENODATA for other nodes and names,
 * -EIO when the detection behind count and skipped fails.
 */
int ghost_xattr_get(struct rfs *fs, const struct rfs_node *n, const char *name, char *value,
		    size_t size);

/* listxattr of a parsed path: the four names for a rule folder, nothing for any other. */
int ghost_xattr_list(struct rfs *fs, const struct fs_path *p, char *list, size_t size);

#endif
