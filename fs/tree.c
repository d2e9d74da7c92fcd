/* tree.c - what each kind of node does on stat, rm and rmdir: the logic behind those callbacks. */
#include "tree.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "changes.h"
#include "emptying.h"
#include "file.h"
#include "ghost_tree.h"
#include "names.h"
#include "namespace.h"
#include "node.h"
#include "stats.h"

/* Log a key for a human: its file name, which is printable by construction. */
static void log_key(int level, int db, const char *key, size_t len, const char *what)
{
	char name[NAMES_MAX + 1];

	names_encode(key, len, name);
	fuse_log(level, "redisfs: db%d '%s': %s\n", db, name, what);
}

/* A namespace folder exists while some key has its prefix (SPEC 8). */
static int stat_namespace(struct rfs *fs, const struct fs_path *p, struct stat *st)
{
	struct rfs_key prefix = {0};
	bool folder;
	int ret;

	ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
	if (!ret) {
		ret = ns_folder_exists(fs, p->db, prefix.key, prefix.len);
		/* emptied through the mount a moment ago: rm -r rmdirs it next */
		if (ret == -ENOENT &&
		    emptying_removed_some(fs->emptying, p->db, prefix.key, prefix.len))
			ret = 0;
	}
	if (ret == -ENOENT && ns_folder_marked(fs, p->db, p->name))
		ret = 0; /* emptied through the mount a moment ago: rm -r rmdirs it next */
	if (!ret)
		stats_folder(fs, p->db, prefix.key, prefix.len, st);
	rfs_key_free(&prefix);
	return ret;
}

/*
 * rmdir of a namespace folder (SPEC 5, 8): at the end of an rm -r (emptying.h)
 * the keys still under it go, those other clients added meanwhile too;
 * otherwise a folder that holds keys is ENOTEMPTY and nothing is removed.
 */
static int rmdir_namespace(struct rfs *fs, const struct fs_path *p)
{
	struct rfs_key prefix = {0};
	bool folder = true, emptied;
	int ret, exists = 0;

	if (fs->read_only)
		return -EROFS;
	ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
	if (ret == -ENOENT && ns_folder_marked(fs, p->db, p->name))
		return 0; /* a shortened name whose keys are gone already: nothing to remove */
	if (!ret && !folder)
		ret = -ENOTDIR;
	if (ret)
		goto out;
	emptied = emptying_done(fs->emptying, p->db, prefix.key, prefix.len);
	if (emptied) {
		ret = ns_remove(fs, p->db, prefix.key, prefix.len);
	} else {
		ret = redis_prefix_exists(fs->pool, p->db, prefix.key, prefix.len, &exists);
		if (!ret && exists)
			ret = -ENOTEMPTY;
	}
	if (emptied || !ret) /* a failed removal may have removed some */
		change_done(fs, CHANGE_KEYS_GONE, &prefix);
	if (!ret) {
		ns_mark_folders(fs, p->db, p->name, false); /* the parents, for rm -r */
		change_done(fs, CHANGE_FOLDER_GONE, &prefix);
	}
out:
	rfs_key_free(&prefix);
	return ret;
}

/*
 * rmdir of a database folder (SPEC 5): FLUSHDB ASYNC at the end of an rm -r,
 * which takes the keys other clients added meanwhile too; 0 for a database
 * with no key; otherwise ENOTEMPTY and nothing is removed. The folder stays.
 */
static int rmdir_database(struct rfs *fs, int db)
{
	const struct rfs_key folder = {.db = db}; /* prefix "": the whole database */
	bool emptied;
	int ret, exists = 0;

	if (fs->noflush)
		return -EPERM;
	emptied = emptying_done(fs->emptying, db, NULL, 0);
	if (emptied) {
		ret = redis_flush_database(fs->pool, db);
	} else {
		ret = redis_prefix_exists(fs->pool, db, NULL, 0, &exists);
		if (!ret && exists)
			ret = -ENOTEMPTY;
	}
	if (emptied || !ret) /* a failed FLUSHDB may have removed some */
		change_done(fs, CHANGE_KEYS_GONE, &folder);
	if (!ret)
		change_done(fs, CHANGE_FOLDER_GONE, &folder);
	return ret;
}

/*
 * rm of a resolved key: UNLINK (for a ghost key, `ghost`, its rule's own
 * command), and what it changes reported.
 */
static int unlink_key(struct rfs *fs, const struct rfs_key *k, const struct fs_path *ghost)
{
	int ret = file_keep_bytes(fs, k->db, k->key, k->len);

	if (!ret)
		ret = ghost ? ghost_tree_unlink_key(fs, ghost, k)
			    : redis_unlink(fs->pool, k->db, k->key, k->len);
	if (!ret) /* no close of a descriptor brings it back */
		open_keys_unlinked(&fs->open_keys, k->db, k->key, k->len);
	/* gone either way: one fewer for its folder's rmdir */
	if (!ret)
		change_done(fs, CHANGE_REMOVED, k);
	else
		change_done(fs, ret == -ENOENT ? CHANGE_FOUND_GONE : CHANGE_UNSURE, k);
	if (ret && ret != -ENOENT && ret != -ESTALE) /* ESTALE: a ghost key's row came back */
		log_key(FUSE_LOG_ERR, k->db, k->key, k->len, "cannot remove");
	return ret;
}

/*
 * stat of a file by its name (a key's not resolved yet), or below a namespaced
 * database folder, where it may be a folder (SPEC 8).
 */
static int getattr_names(struct rfs *fs, const struct fs_path *p, struct stat *st)
{
	struct rfs_key k = {0};
	int ret = node_resolve(fs, p->db, p->name, &k);

	if (ret == -EISDIR)
		return stat_namespace(fs, p, st);
	if (!ret)
		ret = stats_key(fs, &k, st);
	rfs_key_free(&k);
	return ret;
}

int tree_getattr(struct rfs *fs, const struct rfs_node *n, struct stat *st)
{
	switch (n->kind) {
	case NODE_ROOT:
		stats_dir(fs, st);
		return 0;
	case NODE_DB:
		stats_folder(fs, n->key.db, "", 0, st);
		return 0;
	case NODE_KEY:
		if (n->key.key)
			return stats_key(fs, &n->key, st);
		return getattr_names(fs, n->names, st);
	case NODE_NS:
		return getattr_names(fs, n->names, st);
	case NODE_UNKNOWN:
		return -EIO; /* never handed to the logic */
	default:
		return ghost_tree_getattr(fs, n->names, st);
	}
}

int tree_refuse_change(struct rfs *fs, int err)
{
	return fs->read_only ? -EROFS : err;
}

/*
 * rm of a file by its name (a key's not resolved yet), or below a namespaced
 * database folder, whose folders then stay for rm -r's rmdir.
 */
static int unlink_names(struct rfs *fs, const struct fs_path *p)
{
	struct rfs_key k;
	int ret = node_resolve(fs, p->db, p->name, &k);

	if (ret)
		return ret;
	ret = unlink_key(fs, &k, NULL);
	if (fs->delimiter && (!ret || ret == -ENOENT))
		ns_mark_folders(fs, p->db, p->name, false);
	rfs_key_free(&k);
	return ret;
}

/* rm of a ghost key: as its file in the database folder would go, by its rule's command. */
static int unlink_ghost_key(struct rfs *fs, const struct fs_path *p)
{
	struct rfs_key k;
	int ret = ghost_tree_key(fs, p, &k);

	if (ret)
		return ret;
	ret = unlink_key(fs, &k, p);
	rfs_key_free(&k);
	return ret;
}

int tree_unlink(struct rfs *fs, const struct rfs_node *n)
{
	if (!node_may_be_file(n->kind))
		return -EISDIR;
	if (fs->read_only)
		return -EROFS;
	switch (n->kind) {
	case NODE_KEY: /* its name resolved again by node_child: a ~hash name re-checked */
		if (n->key.key)
			return unlink_key(fs, &n->key, NULL);
		return unlink_names(fs, n->names);
	case NODE_NS:
		return unlink_names(fs, n->names);
	case NODE_GHOST_MEMBER:
		return ghost_tree_unlink(fs, n->names);
	default:
		return unlink_ghost_key(fs, n->names);
	}
}

int tree_rmdir(struct rfs *fs, const struct rfs_node *n)
{
	switch (n->kind) {
	case NODE_NS:
		return rmdir_namespace(fs, n->names);
	case NODE_KEY:
	case NODE_GHOST_MEMBER:
	case NODE_GHOST_KEY:
		return -ENOTDIR;
	case NODE_ROOT:
		return -EBUSY;
	case NODE_UNKNOWN:
		return -EIO; /* never handed to the logic */
	default:
		break;
	}
	if (fs->read_only)
		return -EROFS;
	if (n->kind == NODE_DB)
		return rmdir_database(fs, n->key.db);
	return ghost_tree_rmdir(fs, n->names); /* removes nothing: 0 or ENOTEMPTY */
}
