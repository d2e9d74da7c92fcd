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

int node_parse(struct rfs *fs, const char *path, struct fs_path *p)
{
	int ret = paths_parse_nested(path, fs->db_count, fs->only_db, fs->ghosts != NULL,
				     fs->delimiter != NULL, p);

	/* a keys rule's files: PATH_GHOST_KEY */
	return ret || !fs->ghosts ? ret : ghost_keys_refine(fs->ghosts, p);
}

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

int node_child(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       struct rfs_node *child)
{
	char path[NAMES_MAX + 2];
	struct fs_path p;
	int ret;

	memset(child, 0, sizeof *child);
	if (strlen(name) > NAMES_MAX)
		return -ENAMETOOLONG;
	if (parent->kind == NODE_ROOT) {
		path[0] = '/';
		strcpy(path + 1, name);
		ret = node_parse(fs, path, &p);
		if (!ret && p.kind == PATH_DB) {
			child->kind = NODE_DB;
			child->key.db = p.db;
		}
		return ret; /* "ghosts" goes by its path */
	}
	if (parent->kind != NODE_DB || fs->delimiter)
		return 0; /* namespace folders and their files go by their paths */
	ret = node_resolve(fs, parent->key.db, name, &child->key);
	if (!ret)
		child->kind = NODE_KEY;
	return ret;
}
