/* node.h - what a path of the mount names: its kind, its database and the key it resolves to. */
#ifndef REDISFS_NODE_H
#define REDISFS_NODE_H

#include "key.h"
#include "paths.h"
#include "rfs.h"

/*
 * Every function returns 0 or -errno (SPEC section 5): -ENOENT for a name
 * that is not the canonical name of an existing key, -EIO when Redis is
 * unreachable or two keys share one shortened name.
 */

/* Parse a path of this mount (paths_parse with the mount's databases and rules). */
int node_parse(struct rfs *fs, const char *path, struct fs_path *p);

/*
 * Resolve a file name in database `db` to exactly one key: the name read
 * literally, or, for a shortened name, the one key whose name it is.
 * Existence of a literal key is not checked (the caller's TYPE does that);
 * a shortened name is checked against the keys that exist. -EISDIR for a
 * namespace folder.
 */
int node_resolve(struct rfs *fs, int db, const char *name, struct rfs_key *out);

#endif
