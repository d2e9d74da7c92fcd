/* node.h - what an inode of the mount is: its kind, its database and the key it resolves to. */
#ifndef REDISFS_NODE_H
#define REDISFS_NODE_H

#include "key.h"
#include "paths.h"

struct rfs;

/*
 * A node's kind, known once its name is resolved under its parent's node.
 * NODE_UNKNOWN: a kind that is still resolved from its path (namespace
 * folders and the ghost tree, for now), or an inode renamed since.
 */
enum node_kind {
	NODE_UNKNOWN,
	NODE_ROOT, /* "/" */
	NODE_DB,   /* "/dbN" */
	NODE_KEY,  /* "/dbN/NAME" of a mount without namespaces */
};

/* A resolved node: key.db is its database; key.key (allocated) a key's bytes, else NULL. */
struct rfs_node {
	enum node_kind kind;
	struct rfs_key key;
};

static inline void node_free(struct rfs_node *n)
{
	rfs_key_free(&n->key);
	n->kind = NODE_UNKNOWN;
}

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

/*
 * The node of `name` in the folder `parent`, resolved once (a shortened name
 * costs its SCAN here, at lookup, not at every stat). A child whose kind is
 * not resolved by name yet comes back as NODE_UNKNOWN with 0: the caller
 * then goes by its path. -ENOENT for a name no database folder or key has.
 */
int node_child(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       struct rfs_node *child);

#endif
