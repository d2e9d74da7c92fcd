/* tree.h - what each kind of node does on stat, rm and rmdir: the logic behind those callbacks. */
#ifndef REDISFS_TREE_H
#define REDISFS_TREE_H

#include <sys/stat.h>

#include "node.h"
#include "rfs.h"

/*
 * Every function returns 0 or -errno (SPEC section 5): -ENOENT for a name
 * that is not the canonical name of an existing key, -EROFS for a change on
 * a read-only mount, -EIO when Redis is unreachable or two keys share one
 * shortened name.
 */

/*
 * Every function takes a node as node_child resolved it (or inodes_node gave
 * it back), its names filled; the one switch on its kind is here.
 */

/* stat(2) of a node: folders 0755, files 0644 (0444 for streams and on ro mounts). */
int tree_getattr(struct rfs *fs, const struct rfs_node *n, struct stat *st);

/* rm: UNLINK of the key (node_child resolved a shortened name again, against later keys). */
int tree_unlink(struct rfs *fs, const struct rfs_node *n);

/*
 * rmdir of a database, namespace or ghost folder (SPEC 5): keys are removed
 * only at the end of an rm -r (emptying.h), otherwise a folder that holds
 * keys is ENOTEMPTY; a ghost folder removes no member (ENOTEMPTY while it
 * has ghosts). A database folder stays.
 */
int tree_rmdir(struct rfs *fs, const struct rfs_node *n);

/* Changes that are not (yet) possible: EROFS on a ro mount, else `err`. */
int tree_refuse_change(struct rfs *fs, int err);

#endif
