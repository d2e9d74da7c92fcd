/* node.h - what an inode of the mount is: its kind, its database and the key it resolves to. */
#ifndef REDISFS_NODE_H
#define REDISFS_NODE_H

#include <stdbool.h>

#include "key.h"
#include "paths.h"

struct rfs;

/*
 * A node's kind, known once its name is resolved under its parent's node.
 * NODE_UNKNOWN: an inode whose node could not be kept (node_of in ops.c
 * resolves it again under its parent's node).
 */
enum node_kind {
	NODE_UNKNOWN,
	NODE_ROOT,	   /* "/" */
	NODE_DB,	   /* "/dbN" */
	NODE_KEY,	   /* "/dbN/NAME" of a mount without namespaces */
	NODE_NS,	   /* "/dbN/NS/.../NAME" with namespaces: a folder or a key (ns_resolve) */
	NODE_GHOSTS,	   /* "/ghosts" */
	NODE_GHOST_RULE,   /* "/ghosts/RULE" */
	NODE_GHOST_QUEUE,  /* "/ghosts/RULE/QUEUE" */
	NODE_GHOST_MEMBER, /* "/ghosts/RULE/QUEUE/MEMBER" */
	NODE_GHOST_KEY,	   /* "/ghosts/RULE/KEY" of a kind = keys rule */
};

/*
 * A resolved node: key.db is its database; key.key (allocated) a key's
 * bytes (NODE_KEY; NULL when only its name is known yet), else NULL.
 * `names`, when the caller gives one, holds its names as the logic reads
 * them (PATH_ kind, database, the names below the database folder or of the
 * ghost tree); no path string is made for it. A NODE_KEY's name there is
 * resolved again by the operations that change its key, for a shortened name
 * that a later key may share.
 */
struct rfs_node {
	enum node_kind kind;
	struct rfs_key key;
	struct fs_path *names; /* the caller's, or NULL */
};

static inline void node_free(struct rfs_node *n)
{
	rfs_key_free(&n->key);
	n->kind = NODE_UNKNOWN;
}

/* A ghost member's or ghost key's file: read-only, removed by its rule's re-check. */
static inline bool node_is_ghost_file(enum node_kind kind)
{
	return kind == NODE_GHOST_MEMBER || kind == NODE_GHOST_KEY;
}

/* A name for a key: a key's file, or with namespaces a key's or a folder's (ns_resolve tells). */
static inline bool node_is_key(enum node_kind kind)
{
	return kind == NODE_KEY || kind == NODE_NS;
}

/* A node that may be a file: a key (with namespaces, ns_resolve tells), or a ghost file. */
static inline bool node_may_be_file(enum node_kind kind)
{
	return node_is_key(kind) || node_is_ghost_file(kind);
}

/* The PATH_ kind of the names the logic reads for a node of `kind` (inline: inodes.c too). */
static inline enum path_kind node_path_kind(enum node_kind kind)
{
	switch (kind) {
	case NODE_DB:
		return PATH_DB;
	case NODE_KEY:
	case NODE_NS:
		return PATH_KEY;
	case NODE_GHOSTS:
		return PATH_GHOSTS;
	case NODE_GHOST_RULE:
		return PATH_GHOST_RULE;
	case NODE_GHOST_QUEUE:
		return PATH_GHOST_QUEUE;
	case NODE_GHOST_MEMBER:
		return PATH_GHOST_MEMBER;
	case NODE_GHOST_KEY:
		return PATH_GHOST_KEY;
	default:
		return PATH_ROOT;
	}
}

/*
 * Every function returns 0 or -errno (SPEC section 5): -ENOENT for a name
 * that is not the canonical name of an existing key, -EIO when Redis is
 * unreachable or two keys share one shortened name.
 */

/*
 * Resolve a file name in database `db` to exactly one key: the name read
 * literally, or, for a shortened name, the one key whose name it is.
 * Existence of a literal key is not checked (the caller's TYPE does that);
 * a shortened name is checked against the keys that exist. -EISDIR for a
 * namespace folder.
 */
int node_resolve(struct rfs *fs, int db, const char *name, struct rfs_key *out);

/*
 * The node that `name` in the folder `parent` (its names filled) would be,
 * by its name alone: its kind, and its names into child->names (which the
 * caller gives), its key not resolved. -ENOENT for a name that no folder of its
 * parent's kind can hold (as for a path that parses as none), -ENAMETOOLONG
 * past 255 bytes.
 */
int node_name(struct rfs *fs, const struct rfs_node *parent, const char *name,
	      struct rfs_node *child);

/*
 * node_name, and a database's key resolved once (a shortened name costs its
 * SCAN here, at lookup, not at every stat): the node a lookup keeps. -ENOENT
 * for a name no database folder or key has.
 */
int node_child(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       struct rfs_node *child);

/*
 * The node of the mount path `path`, walked from the root by node_child, its
 * names into `names`: for callers without a mount (tests); a request never
 * goes by a path. 0 or -errno as node_child.
 */
int node_walk(struct rfs *fs, const char *path, struct rfs_node *n, struct fs_path *names);

#endif
