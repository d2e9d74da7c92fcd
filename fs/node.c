/* node.c - what a path of the mount names: its kind, its database and the key it resolves to. */
#include "node.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "ghost_keys.h"
#include "names.h"
#include "namespace.h"
#include "rfs.h"

/*
 * The keys that a shortened name stands for: those whose own name is exactly
 * `name`, and the short key that reads literally as it, when it exists.
 */
static int resolve_shortened(struct rfs *fs, int db, const char *name, const char *prefix,
			     size_t prefix_len, char *literal, ssize_t literal_len,
			     struct rfs_key *out)
{
	struct rv_array keys = {0};
	char encoded[NAMES_MAX + 1];
	size_t found = 0, which = 0, len;
	int ret, exists = 0;

	ret = redis_scan_keys(fs->pool, db, prefix, prefix_len, &keys);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &len);

		if (names_encoded_len(key, len) <= NAMES_MAX)
			continue;
		names_encode(key, len, encoded);
		if (strcmp(encoded, name) == 0) {
			found++;
			which = i;
		}
	}
	if (!ret && literal_len >= 0)
		ret = redis_key_exists(fs->pool, db, literal, (size_t) literal_len, &exists);
	if (ret)
		goto out;
	if (found + (size_t) exists > 1) {
		/* never pick one of two keys: an rm could remove the wrong one */
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d '%s': %zu keys share this name\n", db, name,
			 found + (size_t) exists);
		ret = -EIO;
	} else if (exists) {
		out->key = literal;
		out->len = (size_t) literal_len;
		literal = NULL;
	} else if (found) {
		const char *key = rv_array_get(&keys, which, &len);

		out->key = malloc(len ? len : 1);
		if (!out->key)
			ret = -ENOMEM;
		else
			memcpy(out->key, key, len);
		out->len = len;
	} else {
		ret = -ENOENT;
	}
out:
	free(literal);
	rv_array_free(&keys);
	return ret;
}

int node_resolve(struct rfs *fs, int db, const char *name, struct rfs_key *out)
{
	char prefix[NAMES_HASHED_KEEP];
	size_t prefix_len;
	ssize_t literal_len;
	uint64_t hash;
	char *literal;
	bool folder;
	int ret;

	if (fs->delimiter) {
		ret = ns_resolve(fs, db, name, out, &folder);
		if (!ret && folder) {
			rfs_key_free(out);
			ret = -EISDIR;
		}
		return ret;
	}
	out->db = db;
	out->key = NULL;
	out->len = 0;
	literal = malloc(strlen(name) + 1);
	if (!literal)
		return -ENOMEM;
	literal_len = names_decode(name, literal);
	if (names_parse_hashed(name, prefix, &prefix_len, &hash))
		return resolve_shortened(fs, db, name, prefix, prefix_len, literal, literal_len,
					 out);
	if (literal_len < 0) {
		free(literal);
		return -ENOENT; /* not the canonical name of any key */
	}
	out->key = literal;
	out->len = (size_t) literal_len;
	return 0;
}

static void set_kind(struct rfs_node *n, enum node_kind kind)
{
	n->kind = kind;
	n->names->kind = node_path_kind(kind);
}

/* A ghost folder's child: the rule's, or a queue's; a keys rule's folder holds files. */
static int ghost_child(struct rfs *fs, const struct fs_path *from, const char *name,
		       struct rfs_node *child)
{
	struct fs_path *to = child->names;
	enum path_kind kind = from->kind == PATH_GHOST_RULE ? PATH_GHOST_QUEUE : PATH_GHOST_MEMBER;
	int ret;

	if (to != from) {
		strcpy(to->name, from->name);
		if (from->kind == PATH_GHOST_QUEUE) /* a rule's names hold no queue */
			strcpy(to->queue, from->queue);
	}
	strcpy(kind == PATH_GHOST_QUEUE ? to->queue : to->member, name);
	to->kind = kind;
	ret = ghost_keys_refine(fs->ghosts, to); /* a keys rule's files: PATH_GHOST_KEY */
	if (!ret)
		child->kind = to->kind == PATH_GHOST_KEY ? NODE_GHOST_KEY
			      : kind == PATH_GHOST_QUEUE ? NODE_GHOST_QUEUE
							 : NODE_GHOST_MEMBER;
	return ret;
}

int node_name(struct rfs *fs, const struct rfs_node *parent, const char *name,
	      struct rfs_node *child)
{
	const struct fs_path *from = parent->names;
	struct fs_path *to = child->names;
	size_t len = strlen(name), at;
	int db;

	child->kind = NODE_UNKNOWN;
	memset(&child->key, 0, sizeof child->key);
	if (len > NAMES_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	to->db = parent->key.db;
	child->key.db = parent->key.db;
	switch (parent->kind) {
	case NODE_ROOT:
		if (fs->ghosts && strcmp(name, PATHS_GHOSTS) == 0) {
			set_kind(child, NODE_GHOSTS);
			return 0;
		}
		db = paths_db_number(name);
		if (db < 0 || !paths_db_visible(db, fs->db_count, fs->only_db))
			return -ENOENT;
		to->db = db;
		child->key.db = db;
		set_kind(child, NODE_DB);
		return 0;
	case NODE_DB:
	case NODE_NS: /* with namespaces: the names below the database, as ns_resolve reads them */
		at = parent->kind == NODE_NS ? strlen(from->name) : 0;
		if (at + 1 + len >= sizeof to->name)
			return -ENOENT;
		if (at && to != from)
			memcpy(to->name, from->name, at);
		if (at)
			to->name[at++] = '/';
		memcpy(to->name + at, name, len + 1);
		set_kind(child, fs->delimiter ? NODE_NS : NODE_KEY);
		return 0;
	case NODE_GHOSTS:
		strcpy(to->name, name);
		set_kind(child, NODE_GHOST_RULE);
		return 0;
	case NODE_GHOST_RULE:
	case NODE_GHOST_QUEUE:
		return ghost_child(fs, from, name, child);
	default:
		return -ENOENT; /* no folder: as a path below a file parses as none */
	}
}

int node_child(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       struct rfs_node *child)
{
	int ret = node_name(fs, parent, name, child);

	if (!ret && child->kind == NODE_KEY)
		ret = node_resolve(fs, parent->key.db, name, &child->key);
	if (ret)
		child->kind = NODE_UNKNOWN;
	return ret;
}

int node_walk(struct rfs *fs, const char *path, struct rfs_node *n, struct fs_path *names)
{
	char name[NAMES_MAX + 1];
	struct rfs_node parent;
	const char *at = path + 1;
	int ret = 0;

	memset(n, 0, sizeof *n);
	n->kind = NODE_ROOT;
	n->names = names;
	names->kind = PATH_ROOT;
	if (path[0] != '/')
		return -ENOENT;
	while (*at && !ret) {
		size_t len = strcspn(at, "/");

		if (len == 0 || len > NAMES_MAX)
			return len ? -ENAMETOOLONG : -ENOENT;
		memcpy(name, at, len);
		name[len] = '\0';
		at += len + (at[len] == '/');
		parent = *n; /* its names are read before the child's overwrite them */
		ret = node_child(fs, &parent, name, n);
		rfs_key_free(&parent.key);
	}
	return ret;
}
